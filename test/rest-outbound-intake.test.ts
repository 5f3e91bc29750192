import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newMessageId } from '../src/store/ids';
import { exampleDocument } from './support/examples';
import {
  startTestGateway,
  stopTestGateway,
  TEST_API_KEY,
  TEST_ERP_KEY,
  TEST_NORTHWIND_DUNS,
  TEST_NORTHWIND_KEY,
  writeTestPartners,
  type TestGateway,
} from './support/gateway';
import { WebhookSink } from './support/webhook-sink';

type Doc = Record<string, unknown>;

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function post(
  gateway: TestGateway,
  resource: string,
  document: unknown,
  headers: Record<string, string> = {},
  key = TEST_ERP_KEY,
): Promise<Answer> {
  const response = await fetch(`${gateway.url}/api/v1/${resource}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: typeof document === 'string' ? document : JSON.stringify(document),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function getJson<T>(gateway: TestGateway, url: string): Promise<T> {
  const response = await fetch(`${gateway.url}${url}`);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

interface MessageView {
  status: string;
  recipientId: string | null;
  correlationId: string;
  events: Array<{ event: Doc }>;
  deliveries: Array<{ destination: string; channel: string }>;
}

async function processedMessage(gateway: TestGateway, id: string): Promise<MessageView> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const view = await getJson<MessageView>(gateway, `/api/v1/messages/${id}`);
    if (view.status !== 'received') return view;
    if (Date.now() > deadline) throw new Error(`message ${id} was not processed in time`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The example documents, renumbered so each test has an exchange of its own. */
function purchaseOrder(poNumber: string): Doc {
  return { ...exampleDocument('purchase-orders'), poNumber };
}

function acknowledgment(poNumber: string, withBuyer = true): Doc {
  const doc = exampleDocument('po-acknowledgments') as Doc & { parties: Array<{ role: string }> };
  return {
    ...doc,
    poNumber,
    parties: doc.parties.filter((party) => withBuyer || party.role !== 'buyer'),
  };
}

/** The example invoice names its buyer only as billTo, so it is addressed by its PO. */
function invoice(invoiceNumber: string, poNumber: string): Doc {
  return { ...exampleDocument('invoices'), invoiceNumber, poNumber };
}

function shipNotice(shipmentId: string, poNumber: string): Doc {
  const doc = exampleDocument('ship-notices') as Doc & { orders: Doc[] };
  return { ...doc, shipmentId, orders: [{ ...doc.orders[0], poNumber }] };
}

describe('REST documents for trading partners: idempotent, addressed, correlated', () => {
  const sink = new WebhookSink();
  let gateway: TestGateway;

  beforeAll(async () => {
    const sinkUrl = await sink.start();
    const home = mkdtempSync(path.join(os.tmpdir(), 'crossdock-home-'));
    writeTestPartners(home, sinkUrl);
    writeFileSync(
      path.join(home, 'partners', 'retired-retail.yaml'),
      `id: retired-retail
name: Retired Retail
enabled: false
partyIdentifiers: [{ scheme: DUNS, value: "999000111" }]
outbound:
  channel: x12-file
  x12File: { directory: x12-out/retired-retail }
`,
    );
    gateway = await startTestGateway({ webhookUrl: sinkUrl, home });
  });
  afterAll(async () => {
    await stopTestGateway(gateway);
    await sink.stop();
  });

  // Inbound only: the X12 adapter stores what it sends under the same business key.
  const inboundMessagesWithKey = async (businessKey: string) =>
    Number(
      (
        await gateway.store.db.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM messages
           WHERE business_key = $1 AND direction = 'inbound'`,
          [businessKey],
        )
      )[0]!.n,
    );

  describe('Idempotency-Key', () => {
    test('a repeat gets the first answer again, marked Idempotent-Replayed, and stores nothing new', async () => {
      const headers = {
        'idempotency-key': 'erp-ack-0001',
        'x-crossdock-partner': 'northwind-retail',
      };
      const first = await post(gateway, 'po-acknowledgments', acknowledgment('IDEM-1'), headers);
      expect(first.status).toBe(202);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const again = await post(gateway, 'po-acknowledgments', acknowledgment('IDEM-1'), headers);
      expect(again.status).toBe(202);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('location')).toBe(first.headers.get('location'));
      expect(again.headers.get('x-correlation-id')).toBe(first.headers.get('x-correlation-id'));
      expect(first.body).toMatchObject({ status: 'accepted', recipientId: 'northwind-retail' });
      expect(await inboundMessagesWithKey('IDEM-1')).toBe(1);
      // The same key as a Structured Field string is the same key.
      const quoted = await post(gateway, 'po-acknowledgments', acknowledgment('IDEM-1'), {
        ...headers,
        'idempotency-key': '"erp-ack-0001"',
      });
      expect(quoted.headers.get('idempotent-replayed')).toBe('true');
      expect(quoted.body.messageId).toBe(first.body.messageId);
    });

    test('the same key with another body is a 422 problem; the first message stands', async () => {
      const headers = {
        'idempotency-key': 'erp-ack-0002',
        'x-crossdock-partner': 'northwind-retail',
      };
      const first = await post(gateway, 'po-acknowledgments', acknowledgment('IDEM-2'), headers);
      expect(first.status).toBe(202);
      const other = await post(gateway, 'po-acknowledgments', acknowledgment('IDEM-2-B'), headers);
      expect(other.status).toBe(422);
      expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(other.body).toMatchObject({
        type: 'https://crossdock.dev/problems/idempotency-key-reused',
        status: 422,
        messageId: first.body.messageId,
      });
      expect(await inboundMessagesWithKey('IDEM-2-B')).toBe(0);
    });

    test('an empty key or one over 255 characters is a 400 problem', async () => {
      for (const key of ['', '""', 'k'.repeat(256), '"unterminated']) {
        const answer = await post(gateway, 'po-acknowledgments', acknowledgment('IDEM-3'), {
          'idempotency-key': key,
          'x-crossdock-partner': 'northwind-retail',
        });
        expect(answer.status).toBe(400);
        expect(answer.body.type).toBe('https://crossdock.dev/problems/invalid-header');
      }
      const longest = await post(gateway, 'po-acknowledgments', acknowledgment('IDEM-3'), {
        'idempotency-key': 'k'.repeat(255),
        'x-crossdock-partner': 'northwind-retail',
      });
      expect(longest.status).toBe(202);
    });

    test('concurrent requests with one key make one message; the others answer as replays', async () => {
      const headers = {
        'idempotency-key': 'erp-inv-race',
        'x-crossdock-partner': 'northwind-retail',
      };
      const answers = await Promise.all(
        Array.from({ length: 12 }, () =>
          post(gateway, 'invoices', invoice('INV-RACE', 'PO-RACE'), headers),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(12).fill(202));
      expect(new Set(answers.map((a) => a.body.messageId)).size).toBe(1);
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
      expect(await inboundMessagesWithKey('INV-RACE')).toBe(1);
    });
  });

  describe('the recipient', () => {
    test('X-Crossdock-Partner names it: stored on the message, carried by the event, delivered over its X12 channel', async () => {
      const answer = await post(gateway, 'invoices', invoice('INV-HDR-1', 'PO-HDR-1'), {
        'x-crossdock-partner': 'northwind-retail',
      });
      expect(answer.status).toBe(202);
      const messageId = String(answer.body.messageId);
      expect(await gateway.store.getMessage(messageId)).toMatchObject({
        partnerId: 'acme-erp',
        recipientId: 'northwind-retail',
      });
      const view = await processedMessage(gateway, messageId);
      expect(view.status).toBe('processed');
      expect(view.events[0]!.event).toMatchObject({
        type: 'com.crossdock.invoice',
        partnerid: 'acme-erp',
        recipientid: 'northwind-retail',
      });
      expect(view.deliveries.map((d) => [d.destination, d.channel])).toEqual([
        ['northwind-retail', 'x12-file'],
      ]);
    });

    test('X-Crossdock-Partner naming an unknown or a disabled partner is a 422 problem', async () => {
      for (const named of ['nobody-retail', 'retired-retail']) {
        const answer = await post(gateway, 'invoices', invoice('INV-HDR-2', 'PO-HDR-2'), {
          'x-crossdock-partner': named,
        });
        expect(answer.status).toBe(422);
        expect(answer.body).toMatchObject({
          type: 'https://crossdock.dev/problems/unknown-partner',
          detail: expect.stringContaining(named),
        });
      }
      expect(await inboundMessagesWithKey('INV-HDR-2')).toBe(0);
    });

    test('a partner without an outbound channel is a 422 problem: nothing could be sent to it', async () => {
      const answer = await post(gateway, 'invoices', invoice('INV-HDR-3', 'PO-HDR-3'), {
        'x-crossdock-partner': 'globex-retail',
      });
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({ detail: expect.stringContaining('no outbound channel') });
      expect(await inboundMessagesWithKey('INV-HDR-3')).toBe(0);
    });

    test("without the header, the buyer party's identifiers name it", async () => {
      const ack = acknowledgment('PO-BUYER-1');
      expect(JSON.stringify(ack)).toContain(TEST_NORTHWIND_DUNS);
      const answer = await post(gateway, 'po-acknowledgments', ack);
      expect(answer.status).toBe(202);
      expect(answer.body.recipientId).toBe('northwind-retail');
      const view = await processedMessage(gateway, String(answer.body.messageId));
      expect(view.events[0]!.event.recipientid).toBe('northwind-retail');
    });

    test('without header or buyer, the purchase order it answers names it, and lends it its correlation id', async () => {
      const po = await post(
        gateway,
        'purchase-orders',
        purchaseOrder('PO-CHAIN-1'),
        {},
        TEST_NORTHWIND_KEY,
      );
      expect(po.status).toBe(202);
      expect(po.body.recipientId).toBeUndefined();
      const poCorrelation = po.body.correlationId;

      const ack = await post(gateway, 'po-acknowledgments', acknowledgment('PO-CHAIN-1', false));
      const notice = await post(gateway, 'ship-notices', shipNotice('ASN-CHAIN-1', 'PO-CHAIN-1'));
      const bill = await post(gateway, 'invoices', invoice('INV-CHAIN-1', 'PO-CHAIN-1'));
      for (const answer of [ack, notice, bill]) {
        expect(answer.status).toBe(202);
        expect(answer.body).toMatchObject({
          recipientId: 'northwind-retail',
          correlationId: poCorrelation,
        });
        expect(answer.headers.get('x-correlation-id')).toBe(poCorrelation);
      }
      const view = await processedMessage(gateway, String(bill.body.messageId));
      expect(view.events[0]!.event).toMatchObject({
        correlationid: poCorrelation,
        recipientid: 'northwind-retail',
      });
    });

    test('the most recent purchase order with the number wins; an offered X-Correlation-Id is kept', async () => {
      await post(gateway, 'purchase-orders', purchaseOrder('PO-TWICE'));
      const later = await post(
        gateway,
        'purchase-orders',
        purchaseOrder('PO-TWICE'),
        {},
        TEST_NORTHWIND_KEY,
      );
      const bill = await post(gateway, 'invoices', invoice('INV-TWICE', 'PO-TWICE'));
      expect(bill.body).toMatchObject({
        recipientId: 'northwind-retail',
        correlationId: later.body.correlationId,
      });
      const own = await post(gateway, 'invoices', invoice('INV-TWICE-2', 'PO-TWICE'), {
        'x-correlation-id': 'erp-corr-77',
      });
      expect(own.body).toMatchObject({
        recipientId: 'northwind-retail',
        correlationId: 'erp-corr-77',
      });
    });

    test('the buyer found by identifier adopts the correlation of its own purchase order only', async () => {
      // globex-retail sent PO-OTHER, but the acknowledgment's buyer is Northwind.
      await post(gateway, 'purchase-orders', purchaseOrder('PO-OTHER'), {}, TEST_API_KEY);
      const ack = await post(gateway, 'po-acknowledgments', acknowledgment('PO-OTHER'));
      expect(ack.body.recipientId).toBe('northwind-retail');
      const [po] = await gateway.store.db.query<{ correlation_id: string }>(
        `SELECT correlation_id FROM messages WHERE business_key = 'PO-OTHER' AND document_kind = 'PurchaseOrder'`,
      );
      expect(ack.body.correlationId).not.toBe(po!.correlation_id);
    });

    test('a document no rule addresses is a 422 problem saying what was tried, and nothing is stored', async () => {
      const answer = await post(gateway, 'invoices', invoice('INV-NOWHERE', 'PO-NEVER-SENT'));
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({
        type: 'https://crossdock.dev/problems/unknown-partner',
        tried: [
          { rule: 'X-Crossdock-Partner', outcome: 'not sent' },
          { rule: 'buyer party identifiers', outcome: expect.any(String) },
          {
            rule: 'purchase order',
            outcome: expect.stringContaining('no purchase order PO-NEVER-SENT'),
          },
        ],
      });
      const fa = await post(
        gateway,
        'functional-acknowledgments',
        exampleDocument('functional-acknowledgments'),
      );
      expect(fa.status).toBe(422);
      expect(await inboundMessagesWithKey('INV-NOWHERE')).toBe(0);
    });
  });

  test('GET /api/v1/messages/:id/chain lists the exchange oldest first, with outbound X12 control numbers', async () => {
    const po = await post(
      gateway,
      'purchase-orders',
      purchaseOrder('PO-CHAIN-2'),
      {},
      TEST_NORTHWIND_KEY,
    );
    const bill = await post(gateway, 'invoices', invoice('INV-CHAIN-2', 'PO-CHAIN-2'));
    const correlationId = String(po.body.correlationId);
    // What the X12 adapter records when it sends the 810: its interchange and control numbers.
    const interchange = newMessageId();
    const raw = Buffer.from('ISA*00*...~');
    await gateway.store.insertMessages(
      [
        {
          id: interchange,
          direction: 'outbound',
          protocol: 'x12-file',
          partnerId: 'northwind-retail',
          documentKind: 'Invoice',
          contentType: 'application/edi-x12',
          raw,
          sha256: createHash('sha256').update(raw).digest('hex'),
          correlationId,
          businessKey: 'INV-CHAIN-2',
        },
      ],
      'created',
    );
    await gateway.store.db.query(
      `INSERT INTO x12_outbound_sets (delivery_id, partner_id, transaction_set, functional_id,
         version, business_key, correlation_id, message_id, isa13, gs06, st02, status, ack_code)
       VALUES ('dlv_chain_test', 'northwind-retail', '810', 'IN', '004010', 'INV-CHAIN-2', $1, $2,
               '000000042', '42', '0001', 'accepted', 'A')`,
      [correlationId, interchange],
    );

    const chain = await getJson<{ correlationId: string; messages: Array<Doc> }>(
      gateway,
      `/api/v1/messages/${String(bill.body.messageId)}/chain`,
    );
    expect(chain.correlationId).toBe(correlationId);
    const mine = chain.messages.filter((m) =>
      [po.body.messageId, bill.body.messageId, interchange].includes(m.id),
    );
    expect(mine).toEqual([
      expect.objectContaining({
        id: po.body.messageId,
        direction: 'inbound',
        protocol: 'rest',
        partnerId: 'northwind-retail',
        recipientId: null,
        documentKind: 'PurchaseOrder',
        businessKey: 'PO-CHAIN-2',
        status: expect.any(String),
        receivedAt: expect.any(String),
        answersMessageId: null,
        x12Sets: [],
      }),
      expect.objectContaining({
        id: bill.body.messageId,
        partnerId: 'acme-erp',
        recipientId: 'northwind-retail',
        documentKind: 'Invoice',
        businessKey: 'INV-CHAIN-2',
        x12Sets: [],
      }),
      expect.objectContaining({
        id: interchange,
        direction: 'outbound',
        x12Sets: [
          {
            transactionSet: '810',
            isa13: '000000042',
            gs06: '42',
            st02: '0001',
            status: 'accepted',
            ackCode: 'A',
          },
        ],
      }),
    ]);
    expect(chain.messages.every((m) => m.id !== undefined)).toBe(true);
    const missing = await fetch(`${gateway.url}/api/v1/messages/msg_NOPE/chain`);
    expect(missing.status).toBe(404);
  });
});
