/**
 * The FundsTransfer SOAP service end to end: a real gateway (private Redis, PGlite or
 * PostgreSQL) serving wsdl/funds-transfer, called by the `soap` package's client, by Python's
 * zeep, and by raw HTTP for what no polite client sends (attacks, wrong versions, bad bodies).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as soap from 'soap';
import { hashApiKey } from '../src/http/api-keys';
import { buildUsernameTokenHeader } from '../src/soap/ws-security';
import { startTestGateway, stopTestGateway, type TestGateway } from './support/gateway';
import {
  digestToken,
  postSoap,
  SOAP11_NS,
  SOAP12_NS,
  soapEnvelope,
  xmlText,
  type SoapAnswer,
  type SoapVersion,
} from './support/soap-calls';
import { WebhookSink } from './support/webhook-sink';

const run = promisify(execFile);
const BANK_USER = 'harbor';
const BANK_PASSWORD = 'harbor-soap-secret';
const ENGINE_KEY = 'payment-engine-key';
const FT = 'urn:crossdock:banking:funds-transfer:v1';
// 18 digits: more than a double holds (it would arrive as 1234567890123456.8).
const EXACT_AMOUNT = '1234567890123456.78';

let gateway: TestGateway | undefined;
let sink: WebhookSink;
let base: string;

function writePartners(home: string, sinkUrl: string): void {
  const dir = path.join(home, 'partners');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'harbor-bank.yaml'),
    `id: harbor-bank
name: Harbor Bank
inbound:
  soap:
    services: [FundsTransferService]
    usernameToken: { username: ${BANK_USER}, password: "\${TEST_BANK_PASSWORD}", freshnessSeconds: 300 }
outbound:
  channel: webhook
  webhook: { url: "${sinkUrl}", secret: "\${TEST_WEBHOOK_SECRET}", timeoutMs: 2000 }
  retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 }
`,
  );
  writeFileSync(
    path.join(dir, 'basic-bank.yaml'),
    `id: basic-bank
name: Basic Bank
inbound:
  soap:
    services: [FundsTransferService]
    basicAuth: { username: basic-bank, password: "\${TEST_BANK_PASSWORD}" }
`,
  );
  writeFileSync(
    path.join(dir, 'payment-engine.yaml'),
    `id: payment-engine
name: Payment engine
inbound:
  rest:
    apiKeys:
      - { id: engine, sha256: ${hashApiKey(ENGINE_KEY)}, scopes: [transfer-statuses:write] }
outbound:
  channel: webhook
  webhook: { url: "${sinkUrl}", secret: "\${TEST_WEBHOOK_SECRET}", timeoutMs: 2000 }
  retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 }
subscriptions:
  - events: [com.crossdock.funds-transfer, com.crossdock.transfer-status]
`,
  );
}

beforeAll(async () => {
  sink = new WebhookSink();
  const sinkUrl = await sink.start();
  const home = mkdtempSync(path.join(os.tmpdir(), 'crossdock-soap-'));
  writePartners(home, sinkUrl);
  gateway = await startTestGateway({
    webhookUrl: sinkUrl,
    home,
    env: { TEST_BANK_PASSWORD: BANK_PASSWORD },
  });
  base = gateway.url;
}, 60_000);

afterAll(async () => {
  await stopTestGateway(gateway);
  await sink.stop();
});

function transferBody(endToEndId: string, amount = EXACT_AMOUNT): string {
  return `<ft:SubmitTransfer xmlns:ft="${FT}">
  <ft:EndToEndId>${endToEndId}</ft:EndToEndId>
  <ft:Debtor><ft:Name>Harbor Freight Lines</ft:Name>
    <ft:Account><ft:IbanAccount><ft:Iban>DE89370400440532013000</ft:Iban><ft:Bic>COBADEFFXXX</ft:Bic></ft:IbanAccount></ft:Account>
  </ft:Debtor>
  <ft:Creditor><ft:Name>Acme Housewares Co.</ft:Name>
    <ft:Account><ft:DomesticAccount><ft:AccountNumber>7719302245</ft:AccountNumber><ft:RoutingNumber>121000248</ft:RoutingNumber></ft:DomesticAccount></ft:Account>
  </ft:Creditor>
  <ft:Amount Currency="EUR">${amount}</ft:Amount>
  <ft:RequestedExecutionDate>2026-12-01</ft:RequestedExecutionDate>
</ft:SubmitTransfer>`;
}

function envelope(
  body: string,
  options: { version?: SoapVersion; security?: string | null } = {},
): string {
  const security =
    options.security === null ? '' : (options.security ?? digestToken(BANK_USER, BANK_PASSWORD));
  return soapEnvelope(body, options.version ?? '1.1', security);
}

function post(
  body: string | Buffer,
  options: {
    path?: string;
    version?: SoapVersion;
    action?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<SoapAnswer> {
  return postSoap(`${base}${options.path ?? '/soap/funds-transfer'}`, body, {
    version: options.version ?? '1.1',
    action: options.action ?? `${FT}/SubmitTransfer`,
    headers: options.headers,
  });
}

/** The `soap` client speaks SOAP 1.1 unless told otherwise: point it at the 1.1 port. */
async function soap11Client(): Promise<soap.Client> {
  const client = await soap.createClientAsync(`${base}/soap/funds-transfer?wsdl`);
  client.setEndpoint(`${base}/soap/funds-transfer`);
  return client;
}

const textOf = xmlText;

describe('serving the WSDL', () => {
  test('?wsdl names the served addresses of both ports and links every imported file', async () => {
    const response = await fetch(`${base}/soap/funds-transfer?wsdl`);
    expect(response.status).toBe(200);
    const wsdl = await response.text();
    expect(wsdl).toContain(`location="${base}/soap/funds-transfer"`);
    expect(wsdl).toContain(`location="${base}/soap/funds-transfer/soap12"`);
    expect(wsdl).not.toContain('http://localhost/soap');
    const imported = /location="([^"]*\?wsdl=[^"]+)"/.exec(wsdl)?.[1];
    expect(imported).toBeDefined();
    const iface = await (await fetch(imported!)).text();
    expect(iface).toContain('FundsTransferPortType');
    const xsd = /schemaLocation="([^"]*\?xsd=[^"]+)"/.exec(iface)?.[1];
    const messages = await (await fetch(xsd!)).text();
    expect(messages).toContain('name="SubmitTransfer"');
    const included = /schemaLocation="([^"]*\?xsd=[^"]+)"/.exec(messages)?.[1];
    expect(await (await fetch(included!)).text()).toContain('name="Iban"');
  });
});

describe('calls from the soap package client', () => {
  test('SubmitTransfer over SOAP 1.1 with a digest token is taken durably and keeps the amount exact', async () => {
    const client = await soap11Client();
    client.setSecurity(
      new soap.WSSecurity(BANK_USER, BANK_PASSWORD, { passwordType: 'PasswordDigest' }),
    );
    const [result] = await client.SubmitTransferAsync({
      EndToEndId: 'E2E-SOAPJS-1',
      Debtor: {
        Name: 'Harbor Freight Lines',
        Account: { IbanAccount: { Iban: 'DE89370400440532013000' } },
      },
      Creditor: {
        Name: 'Acme Housewares Co.',
        Account: { DomesticAccount: { AccountNumber: '7719302245', RoutingNumber: '121000248' } },
      },
      Amount: { attributes: { Currency: 'EUR' }, $value: EXACT_AMOUNT },
      RequestedExecutionDate: '2026-12-01',
    });
    expect(result.Status).toBe('received');
    expect(result.EndToEndId).toBe('E2E-SOAPJS-1');
    const trackingId: string = result.TrackingId;
    expect(trackingId).toMatch(/^msg_/);

    const message = JSON.stringify(
      await (await fetch(`${base}/api/v1/messages/${trackingId}`)).json(),
    );
    expect(message).toContain('"protocol":"soap"');
    const delivered = await sink.waitForBody('E2E-SOAPJS-1');
    const event = JSON.parse(delivered.body);
    expect(event.type).toBe('com.crossdock.funds-transfer');
    expect(event.data.amount).toEqual({ value: EXACT_AMOUNT, currency: 'EUR' });
    expect(event.data.debtor.account).toEqual({ iban: 'DE89370400440532013000' });
  });

  test('GetTransferStatus follows the bank reports; CancelTransfer is refused once executed', async () => {
    const submitted = await post(envelope(transferBody('E2E-STATUS-1')));
    expect(submitted.status).toBe(200);
    const trackingId = textOf(submitted.text, 'TrackingId')!;

    const client = await soap11Client();
    client.setSecurity(
      new soap.WSSecurity(BANK_USER, BANK_PASSWORD, { passwordType: 'PasswordText' }),
    );
    const [before] = await client.GetTransferStatusAsync({ EndToEndId: 'E2E-STATUS-1' });
    expect(before).toMatchObject({ TrackingId: trackingId, Status: 'received' });

    const report = await fetch(`${base}/api/v1/transfer-statuses`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ENGINE_KEY}`,
        'content-type': 'application/json',
        'x-crossdock-partner': 'harbor-bank',
      },
      body: JSON.stringify({
        transferId: 'BANK-REF-77',
        endToEndId: 'E2E-STATUS-1',
        status: 'executed',
        statusTime: '2026-12-01T09:30:00Z',
        amount: { value: EXACT_AMOUNT, currency: 'EUR' },
      }),
    });
    expect(report.status).toBe(202);
    let after: Record<string, unknown> = {};
    for (let i = 0; i < 100 && after.Status !== 'executed'; i++) {
      [after] = await client.GetTransferStatusAsync({ TrackingId: trackingId });
      if (after.Status !== 'executed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(after).toMatchObject({ Status: 'executed', EndToEndId: 'E2E-STATUS-1' });

    const cancel = await post(
      envelope(
        `<ft:CancelTransfer xmlns:ft="${FT}"><ft:TrackingId>${trackingId}</ft:TrackingId></ft:CancelTransfer>`,
      ),
      { action: `${FT}/CancelTransfer` },
    );
    expect(cancel.status).toBe(500);
    expect(cancel.text).toContain('faultcode');
    expect(textOf(cancel.text, 'Code')).toBe('RefusedInState');
    expect(textOf(cancel.text, 'TrackingId')).toBe(trackingId);
  });

  test('CancelTransfer before execution cancels it and routes a cancelled status', async () => {
    const submitted = await post(envelope(transferBody('E2E-CANCEL-1')));
    const trackingId = textOf(submitted.text, 'TrackingId')!;
    const cancel = await post(
      envelope(
        `<ft:CancelTransfer xmlns:ft="${FT}"><ft:TrackingId>${trackingId}</ft:TrackingId><ft:Reason>Duplicate payment</ft:Reason></ft:CancelTransfer>`,
      ),
      { action: `${FT}/CancelTransfer` },
    );
    expect(cancel.status).toBe(200);
    expect(textOf(cancel.text, 'Status')).toBe('cancelled');
    const routed = await sink.waitForBody('"cancelled"');
    expect(JSON.parse(routed.body).data).toMatchObject({
      transferId: trackingId,
      endToEndId: 'E2E-CANCEL-1',
      status: 'cancelled',
      reasonText: 'Duplicate payment',
    });
    // Once the cancellation is processed the transfer stands cancelled, and a second cancel is refused.
    let status: string | undefined;
    for (let i = 0; i < 100 && status !== 'cancelled'; i++) {
      const asked = await post(
        envelope(
          `<ft:GetTransferStatus xmlns:ft="${FT}"><ft:TrackingId>${trackingId}</ft:TrackingId></ft:GetTransferStatus>`,
        ),
        { action: `${FT}/GetTransferStatus` },
      );
      status = textOf(asked.text, 'Status');
      if (status !== 'cancelled') await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('cancelled');
    const again = await post(
      envelope(
        `<ft:CancelTransfer xmlns:ft="${FT}"><ft:TrackingId>${trackingId}</ft:TrackingId></ft:CancelTransfer>`,
      ),
      { action: `${FT}/CancelTransfer` },
    );
    expect(again.status).toBe(500);
    expect(textOf(again.text, 'Code')).toBe('RefusedInState');
  });

  test('a repeated SubmitTransfer gets the first tracking id; a different one with the same id is refused', async () => {
    const first = await post(envelope(transferBody('E2E-DUP-1')));
    const second = await post(envelope(transferBody('E2E-DUP-1')));
    expect(textOf(second.text, 'TrackingId')).toBe(textOf(first.text, 'TrackingId'));
    const other = await post(envelope(transferBody('E2E-DUP-1', '10.00')));
    expect(other.status).toBe(500);
    expect(textOf(other.text, 'Code')).toBe('DuplicateBusinessKey');
  });
});

describe('SOAP 1.2 port', () => {
  test('answers a 1.2 envelope in 1.2 with its content type', async () => {
    const response = await post(envelope(transferBody('E2E-SOAP12_NS-1'), { version: '1.2' }), {
      path: '/soap/funds-transfer/soap12',
      version: '1.2',
    });
    expect(response.status).toBe(200);
    expect(response.contentType).toContain('application/soap+xml');
    expect(response.text).toContain(SOAP12_NS);
    expect(textOf(response.text, 'Status')).toBe('received');
  });

  test('a 1.2 fault is a Sender fault with HTTP 400', async () => {
    const response = await post(envelope('<ft:Nothing xmlns:ft="urn:x"/>', { version: '1.2' }), {
      path: '/soap/funds-transfer/soap12',
      version: '1.2',
    });
    expect(response.status).toBe(400);
    expect(response.text).toMatch(/<(\w+:)?Value>[\w-]+:Sender</);
  });
});

describe('zeep, an independent client', () => {
  test.each([
    ['FundsTransferSoap11Port', 'digest'],
    ['FundsTransferSoap12Port', 'text'],
  ])(
    'loads the served WSDL and calls SubmitTransfer and GetTransferStatus on %s (%s)',
    async (port, kind) => {
      const endToEndId = `E2E-ZEEP-${kind}`;
      const { stdout } = await run('/usr/bin/python3', [
        path.join(__dirname, 'support', 'zeep-funds-transfer.py'),
        `${base}/soap/funds-transfer?wsdl`,
        port,
        BANK_USER,
        BANK_PASSWORD,
        kind,
        endToEndId,
        EXACT_AMOUNT,
      ]);
      const result = JSON.parse(stdout);
      expect(result.fault).toBeUndefined();
      expect(result.submit).toMatchObject({ EndToEndId: endToEndId, Status: 'received' });
      expect(result.status).toMatchObject({
        TrackingId: result.submit.TrackingId,
        Status: 'received',
      });
      const delivered = await sink.waitForBody(endToEndId);
      expect(JSON.parse(delivered.body).data.amount.value).toBe(EXACT_AMOUNT);
    },
    60_000,
  );
});

describe('bad input gets a fault, never a crash', () => {
  const clientFault = (response: { status: number; text: string }) => {
    expect(response.status).toBe(500);
    expect(response.text).toMatch(/<faultcode>[\w-]+:Client<\/faultcode>/);
    expect(response.text).not.toMatch(/at \w+ \(|node_modules|\.ts:\d+/);
  };

  test('XXE with a file entity and a network entity', async () => {
    for (const entity of ['SYSTEM "file:///etc/passwd"', 'SYSTEM "http://127.0.0.1:9/x"']) {
      const body = `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY xxe ${entity}>]>${envelope(transferBody('&xxe;'))}`;
      const response = await post(body);
      clientFault(response);
      expect(response.text).not.toContain('root:');
    }
  });

  test('billion laughs', async () => {
    const entities = Array.from({ length: 10 }, (_, i) =>
      i === 0 ? '<!ENTITY l0 "lol">' : `<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`,
    ).join('');
    clientFault(await post(`<?xml version="1.0"?><!DOCTYPE l [${entities}]><l>&l9;</l>`));
  });

  test('a 50 MB body is refused at the limit', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024, 'a');
    clientFault(
      await post(big).catch(() => ({ status: 500, text: '<faultcode>s:Client</faultcode>' })),
    );
    // The gateway still answers afterwards.
    expect((await post(envelope(transferBody('E2E-AFTER-BIG')))).status).toBe(200);
  });

  test('a gzip bomb is refused without being inflated', async () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024));
    clientFault(await post(bomb, { headers: { 'content-encoding': 'gzip' } }));
  });

  test('10,000-deep nesting', async () => {
    const deep = `${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`;
    clientFault(await post(envelope(deep)));
  });

  test('a replayed nonce, a stale Created, a wrong password and no token are one fault', async () => {
    const token = buildUsernameTokenHeader({
      username: BANK_USER,
      password: BANK_PASSWORD,
      passwordType: 'PasswordDigest',
      now: new Date(),
    });
    expect((await post(envelope(transferBody('E2E-NONCE-1'), { security: token }))).status).toBe(
      200,
    );
    const replay = await post(envelope(transferBody('E2E-NONCE-2'), { security: token }));
    const stale = await post(
      envelope(transferBody('E2E-STALE'), {
        security: buildUsernameTokenHeader({
          username: BANK_USER,
          password: BANK_PASSWORD,
          passwordType: 'PasswordDigest',
          now: new Date(Date.now() - 3600_000),
        }),
      }),
    );
    const wrong = await post(
      envelope(transferBody('E2E-WRONG'), {
        security: buildUsernameTokenHeader({
          username: BANK_USER,
          password: 'not-it',
          passwordType: 'PasswordDigest',
          now: new Date(),
        }),
      }),
    );
    const missing = await post(envelope(transferBody('E2E-NONE'), { security: null }));
    const reasons = [replay, stale, wrong, missing].map((response) => {
      clientFault(response);
      return textOf(response.text, 'faultstring');
    });
    expect(new Set(reasons).size).toBe(1);
  });

  test('HTTP Basic for a partner configured so', async () => {
    const auth = `Basic ${Buffer.from(`basic-bank:${BANK_PASSWORD}`).toString('base64')}`;
    const ok = await post(envelope(transferBody('E2E-BASIC-1'), { security: null }), {
      headers: { authorization: auth },
    });
    expect(ok.status).toBe(200);
    const bad = `Basic ${Buffer.from('basic-bank:nope').toString('base64')}`;
    clientFault(
      await post(envelope(transferBody('E2E-BASIC-2'), { security: null }), {
        headers: { authorization: bad },
      }),
    );
  });

  test('a SOAP 1.2 envelope on the 1.1 port is a 1.1 VersionMismatch', async () => {
    const response = await post(envelope(transferBody('E2E-VM'), { version: '1.2' }));
    expect(response.status).toBe(500);
    expect(response.text).toContain(SOAP11_NS);
    expect(response.text).toMatch(/<faultcode>[\w-]+:VersionMismatch<\/faultcode>/);
  });

  test('a schema violation names the element; the request is stored as rejected', async () => {
    const response = await post(envelope(transferBody('E2E-BAD-AMOUNT', '12abc')));
    clientFault(response);
    expect(response.text).toContain('Amount');
    const messageId = textOf(response.text, 'messageId');
    expect(messageId).toMatch(/^msg_/);
    const stored = await (await fetch(`${base}/api/v1/messages/${messageId}`)).json();
    expect(JSON.stringify(stored)).toContain('rejected');
  });

  test('malformed XML, an empty body, an unknown operation', async () => {
    clientFault(await post('<soapenv:Envelope xmlns:soapenv="' + SOAP11_NS + '"><soapenv:Body>'));
    clientFault(await post(''));
    const unknown = await post(envelope('<ft:Transmogrify xmlns:ft="urn:x"/>'));
    clientFault(unknown);
    expect(unknown.text).toContain('Transmogrify');
  });
});
