/**
 * X12 outbound end to end: a retailer's 850 over HTTP is answered with a 997 on its channel;
 * the ERP's PO acknowledgment, ship notice and invoice, posted as canonical JSON, leave as an
 * 855, 856 and 810 in the retailer's outbox under control numbers from the store, and the
 * operator sees 850 → 997 → 855 → 856 → 810 as one chain.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { X12Parser } from 'node-x12';
import { hashApiKey } from '../src/http/api-keys';
import { builtInEdiMapsDir, loadTransactionSetSchemas } from '../src/x12/schema';
import { serializeSegments, wrapInterchange } from '../src/x12/serialize';
import { segmentsFromText } from '../src/x12/testing';
import { validateTransactionSet } from '../src/x12/validate';
import { exampleDocument } from './support/examples';
import { startTestGateway, stopTestGateway, type TestGateway } from './support/gateway';

jest.setTimeout(90_000);

const ERP_KEY = 'erp-outbound-key';
/** Nothing listens here: connections are refused. */
const DOWN_PORT = 9;
const EDI_KEY = 'globex-edi-key';
const SYNC_EDI_KEY = 'vandelay-edi-key';
const schemas = loadTransactionSetSchemas([builtInEdiMapsDir()]);

function writePartners(home: string): void {
  const dir = path.join(home, 'partners');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'globex-retail.yaml'),
    `id: globex-retail
name: Globex Retail
partyIdentifiers: [{ scheme: DUNS, value: '123456789' }]
x12:
  interchangeIds: [{ qualifier: ZZ, id: GLOBEXRETAIL }]
  ourIds: [{ qualifier: ZZ, id: ACMESUPPLY }]
  ourApplicationId: ACMESUPPLY
  auth:
    apiKeys: [{ id: edi, sha256: ${hashApiKey(EDI_KEY)} }]
  outbound:
    version: '004010'
    functionalAckWindowHours: 1
outbound:
  channel: x12-file
  x12File: { directory: outbox/globex, fileName: '{partnerId}-{set}-{isa13}.x12' }
  retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 }
`,
  );
  writeFileSync(
    path.join(dir, 'initech-stores.yaml'),
    `id: initech-stores
name: Initech Stores
partyIdentifiers: [{ scheme: GLN, value: '0614141000005' }]
x12:
  interchangeIds: [{ qualifier: '01', id: '061414100' }]
  ourIds: [{ qualifier: ZZ, id: ACMESUPPLY }]
  outbound:
    version: '005010'
    delimiters: { element: '|', component: '^', repetition: '{', segment: '~' }
    lineEnding: crlf
    batching: { mode: group, maxSets: 3, windowSeconds: 1 }
outbound:
  channel: x12-file
  x12File: { directory: outbox/initech }
  retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 }
`,
  );
  writeFileSync(
    path.join(dir, 'vandelay-sync.yaml'),
    `id: vandelay-sync
name: Vandelay (takes its acks in the HTTP answer)
x12:
  interchangeIds: [{ qualifier: ZZ, id: VANDELAYSYNC }]
  ourIds: [{ qualifier: ZZ, id: ACMESUPPLY }]
  auth:
    apiKeys: [{ id: edi, sha256: ${hashApiKey(SYNC_EDI_KEY)} }]
  acks: { mode: sync }
outbound:
  channel: x12-file
  x12File: { directory: outbox/vandelay }
`,
  );
  writeFileSync(
    path.join(dir, 'umbrella-mart.yaml'),
    `id: umbrella-mart
name: Umbrella Mart (its EDI endpoint is down)
x12:
  interchangeIds: [{ qualifier: ZZ, id: UMBRELLA }]
  ourIds: [{ qualifier: ZZ, id: ACMESUPPLY }]
outbound:
  channel: x12-http
  x12Http: { url: 'http://127.0.0.1:${DOWN_PORT}/edi', timeoutMs: 1000 }
  retry: { attempts: 50, baseDelayMs: 100, maxDelayMs: 200 }
`,
  );
  writeFileSync(
    path.join(dir, 'acme-erp.yaml'),
    `id: acme-erp
name: ACME ERP
inbound:
  rest:
    apiKeys: [{ id: erp, sha256: ${hashApiKey(ERP_KEY)}, scopes: [documents:write] }]
`,
  );
}

let gateway: TestGateway | undefined;

beforeAll(async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'crossdock-x12out-'));
  writePartners(home);
  gateway = await startTestGateway({ webhookUrl: 'http://127.0.0.1:9/unused', home });
});
afterAll(() => stopTestGateway(gateway));

function outbox(name: string): string {
  return path.join(gateway!.varDir, 'outbox', name);
}

/** Files in the outbox whose name matches, once there are `count` of them. */
async function waitForFiles(dir: string, pattern: RegExp, count = 1): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const names = safeList(dir)
      .filter((name) => pattern.test(name))
      .sort();
    if (names.length >= count)
      return names.map((name) => readFileSync(path.join(dir, name), 'utf8'));
    if (Date.now() > deadline)
      throw new Error(`no ${pattern} in ${dir}: ${safeList(dir).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => !name.startsWith('.'));
  } catch {
    return [];
  }
}

/** The interchange's segments as element arrays, and each transaction set validated. */
function readInterchange(text: string) {
  const element = text[3]!;
  const terminator = text[105]!;
  const segments = text
    .split(terminator)
    .map((segment) => segment.replace(/^[\r\n]+/, ''))
    .filter((segment) => segment !== '')
    .map((segment) => segment.split(element));
  const gs = segments.find((s) => s[0] === 'GS')!;
  const version = gs[8]!;
  const sets: Array<{ id: string; errors: unknown[]; segments: string[][] }> = [];
  let start = -1;
  segments.forEach((segment, index) => {
    if (segment[0] === 'ST') start = index;
    if (segment[0] === 'SE') {
      const body = segments.slice(start, index + 1);
      const delimiters = { element, component: text[104]!, repetition: null, segment: terminator };
      const read = segmentsFromText(
        body.map((s) => s.join(element)).join(terminator) + terminator,
        delimiters,
      );
      const schema = schemas.get(version, body[0]![1]!)!;
      sets.push({
        id: body[0]![1]!,
        errors: validateTransactionSet(read, schema, delimiters).segmentErrors,
        segments: body,
      });
    }
  });
  // Independent oracle: node-x12 reads every set of the file as the same segments.
  const parsed = new X12Parser(true).parse(text);
  if (!('functionalGroups' in parsed)) throw new Error('node-x12 read several interchanges');
  const theirs = parsed.functionalGroups
    .flatMap((group) => group.transactions)
    .map((transaction) =>
      [transaction.header, ...transaction.segments, transaction.trailer].map((segment) => [
        segment.tag,
        ...segment.elements.map((element) => element.value),
      ]),
    );
  expect(theirs).toEqual(sets.map((set) => set.segments.map(withoutTrailingEmpties)));
  return { segments, sets, isa13: segments[0]![13]!, gs };
}

function withoutTrailingEmpties(segment: string[]): string[] {
  let end = segment.length;
  while (end > 1 && segment[end - 1] === '') end--;
  return segment.slice(0, end);
}

async function post(resource: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway!.url}/api/v1/${resource}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ERP_KEY}`, ...headers },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(202);
  return (await response.json()) as { messageId: string; correlationId: string };
}

async function getJson(url: string): Promise<any> {
  const response = await fetch(`${gateway!.url}${url}`);
  expect(response.status).toBe(200);
  return response.json();
}

/** The message's deliveries once one of them is a dead letter (or as they are after 15 s). */
async function deliveriesOnceDead(messageId: string): Promise<any[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const deliveries: any[] = (await getJson(`/api/v1/messages/${messageId}`)).deliveries ?? [];
    if (deliveries.some((d) => d.status === 'dead') || Date.now() > deadline) return deliveries;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('X12 outbound', () => {
  let poMessageId: string;

  it('answers a partner 850 with a 997 dropped on its channel', async () => {
    const x12 = readFileSync(path.join(__dirname, 'fixtures/x12/850-basic-004010.x12'));
    const response = await fetch(`${gateway!.url}/edi/x12`, {
      method: 'POST',
      headers: { 'content-type': 'application/edi-x12', authorization: `Bearer ${EDI_KEY}` },
      body: x12,
    });
    expect(response.status).toBe(202);
    poMessageId = ((await response.json()) as { messageId: string }).messageId;
    const [ack] = await waitForFiles(outbox('globex'), /-997-/);
    const interchange = readInterchange(ack!);
    expect(interchange.segments[0]!.slice(5, 9).map((v) => v.trim())).toEqual([
      'ZZ',
      'ACMESUPPLY',
      'ZZ',
      'GLOBEXRETAIL',
    ]);
    expect(interchange.segments.find((s) => s[0] === 'AK1')).toEqual(['AK1', 'PO', '4512']);
    expect(interchange.sets).toEqual([expect.objectContaining({ id: '997', errors: [] })]);
  });

  it('turns the ERP PO acknowledgment into an 855 whose BAK names the PO', async () => {
    const ack = { ...exampleDocument('po-acknowledgments'), poNumber: 'PO-2024-00871' };
    await post('po-acknowledgments', ack, { 'x-crossdock-partner': 'globex-retail' });
    const [text] = await waitForFiles(outbox('globex'), /-855-/);
    const interchange = readInterchange(text!);
    expect(interchange.sets).toEqual([expect.objectContaining({ id: '855', errors: [] })]);
    expect(interchange.segments.find((s) => s[0] === 'BAK')![3]).toBe('PO-2024-00871');
    expect(interchange.gs.slice(1, 4)).toEqual(['PR', 'ACMESUPPLY', 'GLOBEXRETAIL']);
  });

  it('sends the ship notice and the invoice, found by the buyer DUNS, with fresh control numbers', async () => {
    const notice = exampleDocument('ship-notices') as any;
    notice.orders[0].poNumber = 'PO-2024-00871';
    await post('ship-notices', notice, { 'x-crossdock-partner': 'globex-retail' });
    const [asn] = await waitForFiles(outbox('globex'), /-856-/);
    const invoice = { ...exampleDocument('invoices'), poNumber: 'PO-2024-00871' } as any;
    invoice.parties = [
      {
        role: 'buyer',
        name: 'Globex Retail',
        identifiers: [{ scheme: 'DUNS', value: '123456789' }],
      },
    ];
    await post('invoices', invoice);
    const [bill] = await waitForFiles(outbox('globex'), /-810-/);
    const [ack] = await waitForFiles(outbox('globex'), /-997-/);
    const [poAck] = await waitForFiles(outbox('globex'), /-855-/);
    const interchanges = [ack!, poAck!, asn!, bill!].map(readInterchange);
    for (const interchange of interchanges.slice(2)) {
      expect(interchange.sets.map((set) => set.errors)).toEqual([[]]);
    }
    const isa13s = interchanges.map((i) => Number(i.isa13));
    expect(new Set(isa13s).size).toBe(4);
    expect([...isa13s].sort((a, b) => a - b)).toEqual(isa13s);
    expect(interchanges[3]!.segments.find((s) => s[0] === 'BIG')![4]).toBe('PO-2024-00871');
  });

  it('shows 850 → 997 → 855 → 856 → 810 as one chain in the store', async () => {
    const chain = await getJson(`/api/v1/messages/${poMessageId}/chain`);
    const outboundKinds = (chain.messages ?? chain)
      .filter((m: any) => m.direction === 'outbound')
      .map((m: any) => m.documentKind);
    expect(outboundKinds).toEqual(expect.arrayContaining(['997', '855', '856', '810']));
  });

  it("matches the partner's 997s to the 855 (accepted) and the 810 (rejected, with its codes)", async () => {
    const sent = (pattern: RegExp) =>
      waitForFiles(outbox('globex'), pattern).then(([text]) => readInterchange(text!));
    const [poAck, bill] = [await sent(/-855-/), await sent(/-810-/)];
    const st02 = (i: Awaited<ReturnType<typeof sent>>) =>
      i.segments.find((s) => s[0] === 'ST')![2]!;
    const acks = wrapInterchange({
      sender: { qualifier: 'ZZ', id: 'GLOBEXRETAIL' },
      receiver: { qualifier: 'ZZ', id: 'ACMESUPPLY' },
      controlNumber: 7001,
      version: '00401',
      usage: 'P',
      ackRequested: false,
      delimiters: { element: '*', component: '>', repetition: null, segment: '~' },
      now: new Date(),
      groups: [
        {
          functionalId: 'FA',
          applicationSender: 'GLOBEXRETAIL',
          applicationReceiver: 'ACMESUPPLY',
          controlNumber: 7001,
          version: '004010',
          transactionSets: [
            [
              { id: 'ST', elements: ['997', '0001'] },
              { id: 'AK1', elements: ['PR', poAck.gs[6]!] },
              { id: 'AK2', elements: ['855', st02(poAck)] },
              { id: 'AK5', elements: ['A'] },
              { id: 'AK9', elements: ['A', '1', '1', '1'] },
            ],
            [
              { id: 'ST', elements: ['997', '0002'] },
              { id: 'AK1', elements: ['IN', bill.gs[6]!] },
              { id: 'AK2', elements: ['810', st02(bill)] },
              { id: 'AK3', elements: ['IT1', '5', '', '8'] },
              { id: 'AK4', elements: ['4', '212', '4', '0'] },
              { id: 'AK5', elements: ['R', '5'] },
              { id: 'AK9', elements: ['R', '1', '1', '0'] },
            ],
          ],
        },
      ],
    });
    const response = await fetch(`${gateway!.url}/edi/x12`, {
      method: 'POST',
      headers: { 'content-type': 'application/edi-x12', authorization: `Bearer ${EDI_KEY}` },
      body: serializeSegments(acks, {
        element: '*',
        component: '>',
        repetition: null,
        segment: '~',
      }),
    });
    expect(response.status).toBe(202);
    const deadline = Date.now() + 15_000;
    let sets: any[] = [];
    while (Date.now() < deadline) {
      sets = (await getJson('/api/v1/x12/outbound-sets?partner=globex-retail')).sets;
      if (sets.filter((set) => ['accepted', 'rejected'].includes(set.status)).length >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const bySet = Object.fromEntries(sets.map((set) => [set.transactionSet, set]));
    expect(bySet['855']).toMatchObject({ status: 'accepted', ackCode: 'A' });
    expect(bySet['810']).toMatchObject({ status: 'rejected' });
    expect(JSON.stringify(bySet['810'].ackErrors)).toMatch(/IT1/);
    expect(bySet['856']).toMatchObject({ status: 'sent' });
    const overdue = await getJson('/api/v1/x12/outbound-sets?partner=globex-retail&overdue=true');
    expect(overdue.sets).toEqual([]);
  });

  it('dead-letters a document X12 cannot carry, naming the element, and sends nothing', async () => {
    const ack = exampleDocument('po-acknowledgments') as any;
    ack.poNumber = 'PO~BROKEN';
    const { messageId } = await post('po-acknowledgments', ack, {
      'x-crossdock-partner': 'globex-retail',
    });
    const deliveries = await deliveriesOnceDead(messageId);
    expect(deliveries).toEqual([
      expect.objectContaining({
        status: 'dead',
        lastError: expect.stringMatching(/BAK03.*segment terminator/),
      }),
    ]);
    expect(safeList(outbox('globex')).filter((name) => name.includes('-855-'))).toHaveLength(1);
  });

  it('dead-letters a document missing what the transaction set requires, naming the element', async () => {
    const ack = exampleDocument('po-acknowledgments') as any;
    delete ack.poDate; // BAK04, mandatory in the 855
    const { messageId } = await post('po-acknowledgments', ack, {
      'x-crossdock-partner': 'globex-retail',
    });
    const deliveries = await deliveriesOnceDead(messageId);
    expect(deliveries).toEqual([
      expect.objectContaining({ status: 'dead', lastError: expect.stringMatching(/BAK04|poDate/) }),
    ]);
  });

  it('gathers a group-batching partner’s invoices into one interchange of several sets', async () => {
    const base = exampleDocument('invoices') as any;
    const posted: string[] = [];
    for (const n of [1, 2, 3]) {
      const { messageId } = await post(
        'invoices',
        { ...base, invoiceNumber: `INV-B-${n}` },
        { 'x-crossdock-partner': 'initech-stores' },
      );
      posted.push(messageId);
    }
    const [text] = await waitForFiles(outbox('initech'), /\.x12$/);
    expect(text).toContain('\r\n');
    const interchange = readInterchange(text!);
    expect(interchange.gs[8]).toBe('005010');
    expect(interchange.sets.map((set) => [set.id, set.errors])).toEqual([
      ['810', []],
      ['810', []],
      ['810', []],
    ]);
    const st02s = interchange.segments.filter((s) => s[0] === 'ST').map((s) => s[2]);
    expect(new Set(st02s).size).toBe(3);
    expect(interchange.segments.find((s) => s[0] === 'GE')![1]).toBe('3');
    // Each document's own delivery: batched, then delivered with the interchange.
    const deadline = Date.now() + 10_000;
    let view: any;
    do {
      view = await getJson(`/api/v1/messages/${posted[0]}`);
      if (view.deliveries?.[0]?.status === 'delivered') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < deadline);
    expect(view.deliveries).toEqual([expect.objectContaining({ status: 'delivered' })]);
    expect(view.timeline.map((entry: any) => entry.stage)).toEqual(
      expect.arrayContaining(['delivery.batched', 'delivery.delivered']),
    );
  });

  it('sends a lone batched document once the window has passed', async () => {
    const before = safeList(outbox('initech')).length;
    await post(
      'invoices',
      { ...exampleDocument('invoices'), invoiceNumber: 'INV-LONE' },
      { 'x-crossdock-partner': 'initech-stores' },
    );
    const texts = await waitForFiles(outbox('initech'), /\.x12$/, before + 1);
    const lone = texts
      .map(readInterchange)
      .find((i) => i.segments.some((s) => s[0] === 'BIG' && s[2] === 'INV-LONE'))!;
    expect(lone.sets.map((set) => [set.id, set.errors])).toEqual([['810', []]]);
  });

  it('keeps sending to other partners while one partner endpoint is down and retried', async () => {
    const down = await post(
      'invoices',
      { ...exampleDocument('invoices'), invoiceNumber: 'INV-DOWN' },
      { 'x-crossdock-partner': 'umbrella-mart' },
    );
    const before = safeList(outbox('globex')).filter((name) => name.includes('-810-')).length;
    await post(
      'invoices',
      { ...exampleDocument('invoices'), invoiceNumber: 'INV-UP' },
      { 'x-crossdock-partner': 'globex-retail' },
    );
    await waitForFiles(outbox('globex'), /-810-/, before + 1);
    const view = await getJson(`/api/v1/messages/${down.messageId}`);
    expect(view.deliveries).toEqual([
      expect.objectContaining({
        destination: 'umbrella-mart',
        status: expect.stringMatching(/pending|retrying/),
      }),
    ]);
  });

  it('does not send the acks of a sync-ack partner again over its channel', async () => {
    const x12 = readFileSync(
      path.join(__dirname, 'fixtures/x12/850-basic-004010.x12'),
      'latin1',
    ).replaceAll('GLOBEXRETAIL', 'VANDELAYSYNC');
    const response = await fetch(`${gateway!.url}/edi/x12`, {
      method: 'POST',
      headers: { 'content-type': 'application/edi-x12', authorization: `Bearer ${SYNC_EDI_KEY}` },
      body: x12,
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('AK1*PO*4512');
    // The same inbound message's processing is over once its answer exists; give a delivery
    // (there must be none) the time it would take.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(safeList(outbox('vandelay'))).toEqual([]);
  });

  it('does not send acks again over the channel when the sender asked for them with ?ack=sync', async () => {
    const before = safeList(outbox('globex')).filter((name) => name.includes('-997-')).length;
    const x12 = readFileSync(path.join(__dirname, 'fixtures/x12/850-basic-004010.x12'), 'latin1')
      .replaceAll('000004512', '000004513')
      .replace('BEG*00*SA*PO-2024-00871', 'BEG*00*SA*PO-2024-00872');
    const response = await fetch(`${gateway!.url}/edi/x12?ack=sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/edi-x12', authorization: `Bearer ${EDI_KEY}` },
      body: x12,
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('AK1*PO*4512');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(safeList(outbox('globex')).filter((name) => name.includes('-997-'))).toHaveLength(
      before,
    );
  });

  it('dead-letters a document once the partner’s control numbers are exhausted, never wrapping', async () => {
    await gateway!.store.db.query(
      `INSERT INTO control_numbers (partner_id, kind, last_value) VALUES ('vandelay-sync', 'ISA13', 999999999)
       ON CONFLICT (partner_id, kind) DO UPDATE SET last_value = 999999999`,
    );
    const { messageId } = await post(
      'invoices',
      { ...exampleDocument('invoices'), invoiceNumber: 'INV-EXHAUSTED' },
      { 'x-crossdock-partner': 'vandelay-sync' },
    );
    expect(await deliveriesOnceDead(messageId)).toEqual([
      expect.objectContaining({ status: 'dead', lastError: expect.stringMatching(/exhausted/) }),
    ]);
  });
});
