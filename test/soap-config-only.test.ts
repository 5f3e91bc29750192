/**
 * SOAP services served by configuration alone: a CROSSDOCK_HOME holding only partner files,
 * WSDLs with their service files, and maps, and no TypeScript of its own. It serves
 *
 *   - the rpc/literal Ledger fixture, called by the `soap` package's client and by zeep;
 *   - the Notifications fixture, whose one-way operation is answered 202 once durable and routed,
 *     and whose request-response Ping is answered by a map alone;
 *   - a copy of FundsTransfer under another name and path whose SubmitTransfer is request-reply:
 *     a TransferStatus posted within the timeout is the reply, else a Server fault says it is
 *     still in progress, written as the WSDL's declared fault with the service's own detail map.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as soap from 'soap';
import { hashApiKey } from '../src/http/api-keys';
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
const LEDGER_RPC = 'urn:example:ledger:rpc';
const NOTIFICATIONS = 'urn:example:notifications';
// More digits than a double holds: it must reach the event and the reply exactly.
const EXACT_AMOUNT = '1234567890123456.78';
const REPLY_TIMEOUT_SECONDS = 3;

const root = path.join(__dirname, '..');
const fixtures = path.join(__dirname, 'fixtures', 'wsdl');

let gateway: TestGateway | undefined;
let sink: WebhookSink;
let base: string;

function write(home: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(home, file)), { recursive: true });
  writeFileSync(path.join(home, file), text);
}

function writePartners(home: string, sinkUrl: string): void {
  write(
    home,
    'partners/harbor-bank.yaml',
    `id: harbor-bank
name: Harbor Bank
inbound:
  soap:
    services: [LedgerService, NotificationService, FundsTransferSyncService]
    usernameToken: { username: ${BANK_USER}, password: "\${TEST_BANK_PASSWORD}" }
outbound:
  channel: webhook
  webhook: { url: "${sinkUrl}", secret: "\${TEST_WEBHOOK_SECRET}", timeoutMs: 2000 }
  retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 }
`,
  );
  write(
    home,
    'partners/payment-engine.yaml',
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

/** The rpc/literal Ledger: PostEntry becomes a FundsTransfer to the posted account. */
function writeLedger(home: string): void {
  copyFileSync(
    path.join(fixtures, 'rpc-literal', 'Ledger.wsdl'),
    path.join(home, 'wsdl/ledger/Ledger.wsdl'),
  );
  write(
    home,
    'wsdl/ledger/ledger.service.yaml',
    `wsdl: Ledger.wsdl
ports:
  LedgerPort: /soap/ledger
operations:
  PostEntry:
    intake: { document: FundsTransfer, map: ledger-post-entry }
    reply: { map: ledger-entry-posted }
`,
  );
  write(
    home,
    'mappings/maps/ledger-post-entry.yaml',
    `# Ledger PostEntry (rpc/literal) to a FundsTransfer from the ledger's suspense account.
name: ledger-post-entry
target: FundsTransfer
output:
  $from: request
  endToEndId: $ (journal, sequence) | join '-' | required
  debtor:
    name: Ledger suspense
    account: { accountNumber: LEDGER-SUSPENSE, routingNumber: "121000248" }
  creditor:
    name: $ posting.memo | default 'Ledger posting'
    account: { accountNumber: $ posting.account | required, routingNumber: "121000248" }
  amount: { value: $ posting.amount | decimal | required, currency: EUR }
  requestedExecutionDate: "2026-12-01"
`,
  );
  write(
    home,
    'mappings/maps/ledger-entry-posted.yaml',
    `name: ledger-entry-posted
target: PostEntryResponse
output:
  entryId: $ request.sequence
  balance: $ request.posting.amount
`,
  );
}

/** Notifications: the one-way NotifyStatusChanged becomes a TransferStatus; Ping is a map. */
function writeNotifications(home: string): void {
  copyFileSync(
    path.join(fixtures, 'one-way', 'Notifications.wsdl'),
    path.join(home, 'wsdl/notifications/Notifications.wsdl'),
  );
  write(
    home,
    'wsdl/notifications/notifications.service.yaml',
    `wsdl: Notifications.wsdl
ports:
  NotificationsSoapPort: /soap/notifications
  NotificationsSoap12Port: /soap/notifications/soap12
operations:
  NotifyStatusChanged:
    intake: { document: TransferStatus, map: notification-status-changed, uniqueBusinessKey: false }
  Ping:
    reply: { map: notification-pong }
`,
  );
  write(
    home,
    'mappings/maps/notification-status-changed.yaml',
    `name: notification-status-changed
target: TransferStatus
output:
  $from: request
  transferId: $ Reference | required
  endToEndId: $ Reference
  status: $ Status | required
  statusTime: $ At | required
`,
  );
  write(
    home,
    'mappings/maps/notification-pong.yaml',
    `name: notification-pong
target: Pong
output:
  ServerTime: $ receivedAt
`,
  );
}

/**
 * FundsTransfer again, as FundsTransferSyncService at /soap/funds-transfer-sync, its
 * SubmitTransfer answered request-reply; its refusals use a detail map of this home.
 */
function writeFundsTransferSync(home: string): void {
  const from = path.join(root, 'wsdl', 'funds-transfer');
  mkdirSync(path.join(home, 'wsdl/funds-transfer-sync'), { recursive: true });
  for (const file of [
    'FundsTransferInterface.wsdl',
    'FundsTransferMessages.xsd',
    'BankingTypes.xsd',
  ])
    copyFileSync(path.join(from, file), path.join(home, 'wsdl/funds-transfer-sync', file));
  const wsdl = readFileSync(path.join(from, 'FundsTransfer.wsdl'), 'utf8').replace(
    'name="FundsTransferService"',
    'name="FundsTransferSyncService"',
  );
  expect(wsdl).toContain('FundsTransferSyncService');
  write(home, 'wsdl/funds-transfer-sync/FundsTransferSync.wsdl', wsdl);
  write(
    home,
    'wsdl/funds-transfer-sync/funds-transfer-sync.service.yaml',
    `wsdl: FundsTransferSync.wsdl
ports:
  FundsTransferSoap11Port: /soap/funds-transfer-sync
  FundsTransferSoap12Port: /soap/funds-transfer-sync/soap12
refusals: { fault: TransferFault, map: sync-transfer-fault }
operations:
  SubmitTransfer:
    intake: { document: FundsTransfer, map: soap-submit-transfer }
    reply:
      mode: request-reply
      map: sync-transfer-result
      timeoutSeconds: ${REPLY_TIMEOUT_SECONDS}
      reportedBy: TransferStatus
`,
  );
  write(
    home,
    'mappings/maps/sync-transfer-result.yaml',
    `name: sync-transfer-result
target: SubmitTransferResponse
output:
  $from: tracked
  TrackingId: $ trackingId
  EndToEndId: $ businessKey
  Status: $ status
  ReceivedAt: $ receivedAt
`,
  );
  write(
    home,
    'mappings/maps/sync-transfer-fault.yaml',
    `name: sync-transfer-fault
target: TransferFault
output:
  Code: $ ('SYNC-', code) | join
  Message: $ message
  TrackingId: $ trackingId
`,
  );
}

beforeAll(async () => {
  sink = new WebhookSink();
  const sinkUrl = await sink.start();
  const home = mkdtempSync(path.join(os.tmpdir(), 'crossdock-soap-config-'));
  writePartners(home, sinkUrl);
  mkdirSync(path.join(home, 'wsdl/ledger'), { recursive: true });
  mkdirSync(path.join(home, 'wsdl/notifications'), { recursive: true });
  writeLedger(home);
  writeNotifications(home);
  writeFundsTransferSync(home);
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

function envelope(body: string, version: SoapVersion = '1.1'): string {
  return soapEnvelope(body, version, digestToken(BANK_USER, BANK_PASSWORD));
}

function post(
  servicePath: string,
  body: string,
  action: string,
  version: SoapVersion = '1.1',
): Promise<SoapAnswer> {
  return postSoap(`${base}${servicePath}`, body, { version, action });
}

async function zeep(
  servicePath: string,
  service: string,
  port: string,
  operation: string,
  args: Record<string, unknown>,
): Promise<{ result?: unknown; fault?: { message: string; code: string; detail: unknown } }> {
  const { stdout } = await run('/usr/bin/python3', [
    path.join(__dirname, 'support', 'zeep-call.py'),
    `${base}${servicePath}?wsdl`,
    service,
    port,
    operation,
    JSON.stringify(args),
    BANK_USER,
    BANK_PASSWORD,
    'digest',
  ]);
  return JSON.parse(stdout);
}

const textOf = xmlText;

async function eventFor(text: string): Promise<{ type: string; data: Record<string, unknown> }> {
  return JSON.parse((await sink.waitForBody(text)).body);
}

describe('rpc/literal: the Ledger fixture', () => {
  test('?wsdl is served with the address rewritten', async () => {
    const wsdl = await (await fetch(`${base}/soap/ledger?wsdl`)).text();
    expect(wsdl).toContain(`location="${base}/soap/ledger"`);
    expect(wsdl).not.toContain('ledger.example.com');
  });

  test('the soap package client posts an entry: it becomes a routed FundsTransfer, exact', async () => {
    const client = await soap.createClientAsync(`${base}/soap/ledger?wsdl`);
    client.setSecurity(
      new soap.WSSecurity(BANK_USER, BANK_PASSWORD, { passwordType: 'PasswordDigest' }),
    );
    const [result] = await client.PostEntryAsync({
      journal: 'GLJS',
      sequence: 41,
      posting: { account: 'ACCT-4000', amount: EXACT_AMOUNT, memo: 'Supplier payout' },
    });
    expect(String(result.entryId)).toBe('41');
    // The client reads xsd:decimal into a JavaScript number; the wire has every digit.
    expect(client.lastResponse).toContain(`<balance>${EXACT_AMOUNT}</balance>`);
    const event = await eventFor('"GLJS-41"');
    expect(event.type).toBe('com.crossdock.funds-transfer');
    expect(event.data).toMatchObject({
      endToEndId: 'GLJS-41',
      amount: { value: EXACT_AMOUNT, currency: 'EUR' },
      creditor: { name: 'Supplier payout', account: { accountNumber: 'ACCT-4000' } },
    });
  });

  test('zeep posts an entry through the served WSDL', async () => {
    const answer = await zeep('/soap/ledger', 'LedgerService', 'LedgerPort', 'PostEntry', {
      journal: 'GLZP',
      sequence: 42,
      posting: { account: 'ACCT-4100', amount: '10.05' },
    });
    expect(answer.fault).toBeUndefined();
    expect(answer.result).toEqual({ entryId: 42, balance: '10.05' });
    const event = await eventFor('"GLZP-42"');
    expect(event.data).toMatchObject({ amount: { value: '10.05', currency: 'EUR' } });
  }, 60_000);

  test('an rpc request that breaks the part types is a Client fault naming the part', async () => {
    const response = await post(
      '/soap/ledger',
      envelope(
        `<r:PostEntry xmlns:r="${LEDGER_RPC}"><journal>GL</journal><sequence>x</sequence><posting><account>1</account><amount>1</amount></posting></r:PostEntry>`,
      ),
      'urn:example:ledger#PostEntry',
    );
    expect(response.status).toBe(500);
    expect(response.text).toMatch(/<faultcode>[\w-]+:Client<\/faultcode>/);
    expect(response.text).toContain('sequence');
  });

  test('GetBalance, which the service file does not bind, is a Client fault', async () => {
    const answer = await zeep('/soap/ledger', 'LedgerService', 'LedgerPort', 'GetBalance', {
      account: 'ACCT-4000',
    });
    expect(answer.fault?.code).toContain('Client');
    expect(answer.fault?.message).toContain('GetBalance');
  }, 60_000);
});

describe('one-way operations: the Notifications fixture', () => {
  const statusChanged = (reference: string) =>
    `<n:StatusChanged xmlns:n="${NOTIFICATIONS}"><n:Reference>${reference}</n:Reference><n:Status>executed</n:Status><n:At>2026-12-01T09:30:00Z</n:At></n:StatusChanged>`;

  test('SOAP 1.1: answered 202 with no body once durable, and routed', async () => {
    const response = await post(
      '/soap/notifications',
      envelope(statusChanged('REF-ONEWAY-11')),
      'urn:example:notifications/StatusChanged',
    );
    expect(response.status).toBe(202);
    expect(response.text).toBe('');
    const event = await eventFor('"REF-ONEWAY-11"');
    expect(event.type).toBe('com.crossdock.transfer-status');
    expect(event.data).toMatchObject({ transferId: 'REF-ONEWAY-11', status: 'executed' });
  });

  test('SOAP 1.2 port: the same, in its own version', async () => {
    const response = await post(
      '/soap/notifications/soap12',
      envelope(statusChanged('REF-ONEWAY-12'), '1.2'),
      'urn:example:notifications/StatusChanged',
      '1.2',
    );
    expect(response.status).toBe(202);
    expect(response.text).toBe('');
    await eventFor('"REF-ONEWAY-12"');
  });

  test('a one-way call that cannot be taken is a Client fault, not a 202', async () => {
    const response = await post(
      '/soap/notifications',
      envelope(statusChanged('REF-ONEWAY-BAD').replace('executed', 'lost-in-the-mail')),
      'urn:example:notifications/StatusChanged',
    );
    expect(response.status).toBe(500);
    expect(response.text).toMatch(/<faultcode>[\w-]+:Client<\/faultcode>/);
    expect(textOf(response.text, 'faultstring')).toContain('status');
  });

  test('zeep sends the one-way call and gets nothing back', async () => {
    const answer = await zeep(
      '/soap/notifications',
      'NotificationService',
      'NotificationsSoapPort',
      'NotifyStatusChanged',
      { Reference: 'REF-ONEWAY-ZEEP', Status: 'accepted', At: '2026-12-01T10:00:00Z' },
    );
    expect(answer).toEqual({ result: null });
    const event = await eventFor('"REF-ONEWAY-ZEEP"');
    expect(event.data).toMatchObject({ status: 'accepted' });
  }, 60_000);

  test('Ping, bound to a reply map alone, answers on the SOAP 1.1 port', async () => {
    const response = await post(
      '/soap/notifications',
      envelope(`<n:Ping xmlns:n="${NOTIFICATIONS}"/>`),
      'urn:example:notifications/Ping',
    );
    expect(response.status).toBe(200);
    expect(textOf(response.text, 'ServerTime')).toMatch(/^\d{4}-/);
  });

  test('Ping, bound to a reply map alone, answers from zeep on both ports', async () => {
    for (const port of ['NotificationsSoapPort', 'NotificationsSoap12Port']) {
      const answer = await zeep('/soap/notifications', 'NotificationService', port, 'Ping', {});
      expect(answer.fault).toBeUndefined();
      // zeep unwraps a response of one element: the result is ServerTime itself.
      expect(String(answer.result)).toMatch(/^\d{4}-\d\d-\d\d/);
    }
  }, 60_000);
});

describe('request-reply: FundsTransferSyncService', () => {
  function transferBody(endToEndId: string): string {
    return `<ft:SubmitTransfer xmlns:ft="${FT}">
  <ft:EndToEndId>${endToEndId}</ft:EndToEndId>
  <ft:Debtor><ft:Name>Harbor Freight Lines</ft:Name>
    <ft:Account><ft:IbanAccount><ft:Iban>DE89370400440532013000</ft:Iban></ft:IbanAccount></ft:Account>
  </ft:Debtor>
  <ft:Creditor><ft:Name>Acme Housewares Co.</ft:Name>
    <ft:Account><ft:DomesticAccount><ft:AccountNumber>7719302245</ft:AccountNumber><ft:RoutingNumber>121000248</ft:RoutingNumber></ft:DomesticAccount></ft:Account>
  </ft:Creditor>
  <ft:Amount Currency="EUR">${EXACT_AMOUNT}</ft:Amount>
  <ft:RequestedExecutionDate>2026-12-01</ft:RequestedExecutionDate>
</ft:SubmitTransfer>`;
  }

  async function reportStatus(endToEndId: string, status: string): Promise<void> {
    const response = await fetch(`${base}/api/v1/transfer-statuses`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ENGINE_KEY}`,
        'content-type': 'application/json',
        'x-crossdock-partner': 'harbor-bank',
      },
      body: JSON.stringify({
        transferId: `BANK-${endToEndId}`,
        endToEndId,
        status,
        statusTime: '2026-12-01T09:30:00Z',
      }),
    });
    expect(response.status).toBe(202);
  }

  test('a TransferStatus reported within the timeout is the reply', async () => {
    const started = Date.now();
    const call = post(
      '/soap/funds-transfer-sync',
      envelope(transferBody('E2E-SYNC-1')),
      `${FT}/SubmitTransfer`,
    );
    // The engine sees the routed transfer, then reports on it while the caller still waits.
    await eventFor('"E2E-SYNC-1"');
    await reportStatus('E2E-SYNC-1', 'accepted');
    const response = await call;
    expect(response.status).toBe(200);
    expect(textOf(response.text, 'Status')).toBe('accepted');
    expect(textOf(response.text, 'EndToEndId')).toBe('E2E-SYNC-1');
    expect(textOf(response.text, 'TrackingId')).toMatch(/^msg_/);
    expect(Date.now() - started).toBeLessThan(REPLY_TIMEOUT_SECONDS * 1000 + 1000);
  }, 20_000);

  test('the soap package client gets the reported status on the SOAP 1.2 port too', async () => {
    const client = await soap.createClientAsync(`${base}/soap/funds-transfer-sync?wsdl`, {
      forceSoap12Headers: true,
    });
    client.setEndpoint(`${base}/soap/funds-transfer-sync/soap12`);
    client.setSecurity(
      new soap.WSSecurity(BANK_USER, BANK_PASSWORD, { passwordType: 'PasswordDigest' }),
    );
    const call = client.SubmitTransferAsync({
      EndToEndId: 'E2E-SYNC-12',
      Debtor: { Name: 'Harbor', Account: { IbanAccount: { Iban: 'DE89370400440532013000' } } },
      Creditor: {
        Name: 'Acme',
        Account: { DomesticAccount: { AccountNumber: '7719302245', RoutingNumber: '121000248' } },
      },
      Amount: { attributes: { Currency: 'EUR' }, $value: '12.00' },
      RequestedExecutionDate: '2026-12-01',
    });
    await eventFor('"E2E-SYNC-12"');
    await reportStatus('E2E-SYNC-12', 'executed');
    const [result] = await call;
    expect(result).toMatchObject({ EndToEndId: 'E2E-SYNC-12', Status: 'executed' });
  }, 20_000);

  test('without a report, a Server fault with the declared detail says it is still in progress', async () => {
    const started = Date.now();
    const response = await post(
      '/soap/funds-transfer-sync',
      envelope(transferBody('E2E-SYNC-LATE')),
      `${FT}/SubmitTransfer`,
    );
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(REPLY_TIMEOUT_SECONDS * 1000 - 100);
    expect(response.status).toBe(500);
    expect(response.text).toMatch(/<faultcode>[\w-]+:Server<\/faultcode>/);
    expect(textOf(response.text, 'faultstring')).toContain('still in progress');
    // The declared TransferFault, its detail written by this home's map.
    expect(response.text).toMatch(new RegExp(`<[\\w-]+:TransferFault xmlns:[\\w-]+="${FT}"`));
    expect(textOf(response.text, 'Code')).toBe('SYNC-InProgress');
    const trackingId = textOf(response.text, 'TrackingId');
    expect(trackingId).toMatch(/^msg_/);
    expect(textOf(response.text, 'faultstring')).toContain(trackingId);
    // It was taken all the same, and routed.
    await eventFor('"E2E-SYNC-LATE"');
  }, 20_000);

  test('zeep reads the in-progress fault and its declared detail', async () => {
    const answer = await zeep(
      '/soap/funds-transfer-sync',
      'FundsTransferSyncService',
      'FundsTransferSoap12Port',
      'SubmitTransfer',
      {
        EndToEndId: 'E2E-SYNC-ZEEP',
        Debtor: { Name: 'Harbor', Account: { IbanAccount: { Iban: 'DE89370400440532013000' } } },
        Creditor: { Name: 'Acme', Account: { IbanAccount: { Iban: 'DE89370400440532013000' } } },
        Amount: { _value_1: '1.00', Currency: 'EUR' },
        RequestedExecutionDate: '2026-12-01',
      },
    );
    expect(answer.fault?.message).toContain('still in progress');
    expect(answer.fault?.detail).toMatchObject({
      TransferFault: { Code: 'SYNC-InProgress', TrackingId: expect.stringMatching(/^msg_/) },
    });
  }, 60_000);

  test('a reused end-to-end id with another transfer is a Client fault with the declared detail', async () => {
    const first = await post(
      '/soap/funds-transfer-sync',
      envelope(transferBody('E2E-SYNC-LATE')),
      `${FT}/SubmitTransfer`,
    );
    // The same call again is the same transfer: still in progress, same tracking id.
    expect(textOf(first.text, 'Code')).toBe('SYNC-InProgress');
    const other = await post(
      '/soap/funds-transfer-sync',
      envelope(transferBody('E2E-SYNC-LATE').replace(EXACT_AMOUNT, '1.00')),
      `${FT}/SubmitTransfer`,
    );
    expect(other.status).toBe(500);
    expect(other.text).toMatch(/<faultcode>[\w-]+:Client<\/faultcode>/);
    expect(textOf(other.text, 'Code')).toBe('SYNC-DuplicateBusinessKey');
  }, 20_000);
});
