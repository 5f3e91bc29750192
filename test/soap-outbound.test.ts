/**
 * Transfer statuses reach the bank that submitted the transfer, through the bank's own SOAP
 * callback service: a real `soap` server started here serves the callback WSDL and checks the
 * WS-Security UsernameToken digest; a real gateway (Redis, store, workers) calls it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as soap from 'soap';
import { hashApiKey } from '../src/http/api-keys';
import type { DeliveryRecord } from '../src/store/message-store';
import { exampleDocument } from './support/examples';
import { startTestGateway, stopTestGateway, type TestGateway } from './support/gateway';

const BANK_KEY = 'test-key-first-harbor';
const OTHER_BANK_KEY = 'test-key-second-harbor';
const TREASURY_KEY = 'test-key-treasury';
const CALLBACK_USER = 'crossdock-callbacks';
const CALLBACK_PASSWORD = 'callback-secret';
const TIMEOUT_MS = 800;
const EXACT_AMOUNT = '12345678901234567.89';
const WSDL_FILE = path.join(
  __dirname,
  '..',
  'wsdl',
  'first-harbor-bank',
  'TransferStatusCallback.wsdl',
);

/** What the bank's callback service does with each TransferId: its scenario, per call. */
type Behaviour = (call: number) => 'ack' | 'client-fault' | 'server-fault' | 'slow';

class BankCallbackService {
  /** Raw request bodies, as they came over the wire. */
  readonly requests: string[] = [];
  readonly notifications: Array<Record<string, unknown>> = [];
  readonly behaviours = new Map<string, Behaviour>();
  expectedPassword = CALLBACK_PASSWORD;
  private readonly calls = new Map<string, number>();
  private readonly seenNonces = new Set<string>();
  private server!: http.Server;
  url!: string;

  async start(): Promise<void> {
    this.server = http.createServer();
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const listener = soap.listen(this.server, {
      path: '/first-harbor/transfer-status',
      xml: readFileSync(WSDL_FILE, 'utf8'),
      services: {
        TransferStatusCallbackService: {
          TransferStatusCallbackPort: {
            NotifyTransferStatus: (args: Record<string, unknown>) => this.notify(args),
          },
        },
      },
    });
    listener.log = (type: string, data: unknown) => {
      if (type === 'received') this.requests.push(String(data));
    };
    listener.authenticate = (security: unknown) => this.authenticate(security);
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/first-harbor/transfer-status`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  callsFor(transferId: string): number {
    return this.calls.get(transferId) ?? 0;
  }

  requestFor(transferId: string): string | undefined {
    return this.requests.find((body) => body.includes(`>${transferId}<`));
  }

  /** UsernameToken Profile 1.0 PasswordDigest, a known user, and each nonce only once. */
  private authenticate(security: unknown): boolean {
    const token = (security as { UsernameToken?: Record<string, unknown> } | undefined)
      ?.UsernameToken;
    if (!token) return false;
    const text = (node: unknown) =>
      typeof node === 'object' && node !== null
        ? String((node as { $value?: unknown }).$value)
        : String(node);
    const nonce = text(token.Nonce);
    const created = text(token.Created);
    const password = token.Password as { $value?: string; attributes?: { Type?: string } };
    if (!password.attributes?.Type?.endsWith('#PasswordDigest')) return false;
    if (this.seenNonces.has(nonce)) return false;
    this.seenNonces.add(nonce);
    const digest = createHash('sha1')
      .update(Buffer.from(nonce, 'base64'))
      .update(created + this.expectedPassword)
      .digest('base64');
    return text(token.Username) === CALLBACK_USER && password.$value === digest;
  }

  private async notify(args: Record<string, unknown>): Promise<{ Acknowledged: boolean }> {
    const transferId = String(args.TransferId);
    const call = this.callsFor(transferId) + 1;
    this.calls.set(transferId, call);
    const behaviour = this.behaviours.get(transferId)?.(call) ?? 'ack';
    if (behaviour === 'client-fault') {
      throw {
        Fault: {
          faultcode: 'soap:Client',
          faultstring: `Unknown TransferId ${transferId}`,
          statusCode: 500,
        },
      };
    }
    if (behaviour === 'server-fault') {
      throw {
        Fault: {
          faultcode: 'soap:Server',
          faultstring: 'Core banking system unavailable',
          statusCode: 500,
        },
      };
    }
    if (behaviour === 'slow') await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 3));
    this.notifications.push(args);
    return { Acknowledged: true };
  }
}

function writePartners(home: string): void {
  const dir = path.join(home, 'partners');
  mkdirSync(dir, { recursive: true });
  const bank = (id: string, key: string, outbound: string) => `id: ${id}
name: ${id}
inbound:
  rest:
    apiKeys:
      - { id: core, sha256: ${hashApiKey(key)}, scopes: [funds-transfers:write] }
${outbound}`;
  writeFileSync(
    path.join(dir, 'first-harbor-bank.yaml'),
    bank(
      'first-harbor-bank',
      BANK_KEY,
      `outbound:
  channel: soap
  soap:
    wsdl: first-harbor-bank/TransferStatusCallback.wsdl
    endpoint: \${TEST_FHB_CALLBACK_URL}
    operations:
      com.crossdock.transfer-status:
        operation: NotifyTransferStatus
        map: first-harbor-transfer-status
    security:
      username: \${TEST_FHB_CALLBACK_USER}
      password: \${TEST_FHB_CALLBACK_PASSWORD}
      passwordType: PasswordDigest
    timeoutMs: ${TIMEOUT_MS}
  retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 }
`,
    ),
  );
  // A second bank with a SOAP callback that is never up: nothing of the first bank's goes there.
  writeFileSync(
    path.join(dir, 'second-harbor-bank.yaml'),
    bank(
      'second-harbor-bank',
      OTHER_BANK_KEY,
      `outbound:
  channel: soap
  soap:
    wsdl: first-harbor-bank/TransferStatusCallback.wsdl
    endpoint: http://127.0.0.1:9/unreachable
    operations:
      com.crossdock.transfer-status:
        operation: NotifyTransferStatus
        map: first-harbor-transfer-status
  retry: { attempts: 1, baseDelayMs: 50, maxDelayMs: 50 }
`,
    ),
  );
  writeFileSync(
    path.join(dir, 'acme-treasury.yaml'),
    `id: acme-treasury
name: ACME Treasury
inbound:
  rest:
    apiKeys:
      - { id: treasury, sha256: ${hashApiKey(TREASURY_KEY)}, scopes: [transfer-statuses:write] }
`,
  );
}

async function post(
  gateway: TestGateway,
  resource: string,
  key: string,
  document: object,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}/api/v1/${resource}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(document),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function waitUntil<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('transfer statuses to the submitting bank over its SOAP callback', () => {
  const bank = new BankCallbackService();
  let gateway: TestGateway;

  beforeAll(async () => {
    await bank.start();
    const home = mkdtempSync(path.join(os.tmpdir(), 'crossdock-soap-out-'));
    writePartners(home);
    gateway = await startTestGateway({
      webhookUrl: 'http://127.0.0.1:9/unused',
      home,
      env: {
        TEST_FHB_CALLBACK_URL: bank.url,
        TEST_FHB_CALLBACK_USER: CALLBACK_USER,
        TEST_FHB_CALLBACK_PASSWORD: CALLBACK_PASSWORD,
      },
    });
    // Redis and the store start in a second when the machine is idle, far longer when it is not.
  }, 120_000);
  afterAll(async () => {
    await stopTestGateway(gateway);
    await bank.stop();
  });
  afterEach(() => {
    bank.expectedPassword = CALLBACK_PASSWORD;
  });

  /** The bank submits a transfer, then the treasury posts a status of it; the status's delivery. */
  async function statusOfSubmittedTransfer(
    transferId: string,
    overrides: Record<string, unknown> = {},
  ): Promise<{ messageId: string; recipientId: unknown }> {
    const endToEndId = `E2E-${transferId}`;
    const submitted = await post(gateway, 'funds-transfers', BANK_KEY, {
      ...exampleDocument('funds-transfers'),
      endToEndId,
    });
    expect(submitted.status).toBe(202);
    const status = await post(gateway, 'transfer-statuses', TREASURY_KEY, {
      transferId,
      endToEndId,
      status: 'executed',
      statusTime: '2024-04-05T14:32:10Z',
      amount: { value: EXACT_AMOUNT, currency: 'USD' },
      ...overrides,
    });
    expect(status.status).toBe(202);
    return { messageId: String(status.body.messageId), recipientId: status.body.recipientId };
  }

  function settledDelivery(messageId: string): Promise<DeliveryRecord> {
    return waitUntil(async () => {
      const [delivery, ...others] = await gateway.store.getDeliveriesOfMessage(messageId);
      expect(others).toHaveLength(0);
      return delivery && ['delivered', 'dead'].includes(delivery.status) ? delivery : undefined;
    });
  }

  test('a status is addressed to the bank that submitted the transfer and arrives with its exact amount', async () => {
    const { messageId, recipientId } = await statusOfSubmittedTransfer('TRF-EXACT-1');
    expect(recipientId).toBe('first-harbor-bank');
    const delivery = await settledDelivery(messageId);
    expect(delivery).toMatchObject({
      destination: 'first-harbor-bank',
      channel: 'soap',
      status: 'delivered',
      attempts: 1,
      lastStatusCode: 200,
    });
    const raw = bank.requestFor('TRF-EXACT-1')!;
    expect(raw).toMatch(
      new RegExp(`<\\w+:Amount Currency="USD">${EXACT_AMOUNT.replace('.', '\\.')}</\\w+:Amount>`),
    );
    expect(raw).toMatch(/<\w+:Status>ACSC<\/\w+:Status>/);
    expect(raw).toMatch(/<\w+:EndToEndId>E2E-TRF-EXACT-1<\/\w+:EndToEndId>/);
    expect(raw).not.toContain(CALLBACK_PASSWORD);
    const notification = bank.notifications.find((n) => n.TransferId === 'TRF-EXACT-1');
    expect(notification).toMatchObject({ EndToEndId: 'E2E-TRF-EXACT-1', Status: 'ACSC' });
  });

  test('a status of a transfer nobody submitted is accepted unaddressed and goes to no bank', async () => {
    const status = await post(gateway, 'transfer-statuses', TREASURY_KEY, {
      transferId: 'TRF-ORPHAN',
      endToEndId: 'E2E-NOBODY',
      status: 'received',
      statusTime: '2024-04-05T14:32:10Z',
      amount: { value: '1.00', currency: 'USD' },
    });
    expect(status.status).toBe(202);
    expect(status.body.recipientId).toBeUndefined();
    const messageId = String(status.body.messageId);
    await waitUntil(async () =>
      (await gateway.store.getMessage(messageId))?.status === 'processed' ? true : undefined,
    );
    expect(await gateway.store.getDeliveriesOfMessage(messageId)).toHaveLength(0);
  });

  test('a Client fault is a dead letter with the fault text, not retried', async () => {
    bank.behaviours.set('TRF-CLIENT-FAULT', () => 'client-fault');
    const { messageId } = await statusOfSubmittedTransfer('TRF-CLIENT-FAULT');
    const delivery = await settledDelivery(messageId);
    expect(delivery).toMatchObject({ status: 'dead', attempts: 1, lastStatusCode: 500 });
    expect(delivery.lastError).toBe(
      'receiver answered with SOAP fault soap:Client: Unknown TransferId TRF-CLIENT-FAULT',
    );
    expect(bank.callsFor('TRF-CLIENT-FAULT')).toBe(1);
  });

  test('a Server fault is retried, and the next attempt delivers', async () => {
    bank.behaviours.set('TRF-SERVER-FAULT', (call) => (call === 1 ? 'server-fault' : 'ack'));
    const { messageId } = await statusOfSubmittedTransfer('TRF-SERVER-FAULT');
    const delivery = await settledDelivery(messageId);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(bank.callsFor('TRF-SERVER-FAULT')).toBe(2);
    const stages = (await gateway.store.getTimeline(messageId)).map((entry) => entry.stage);
    expect(stages).toEqual(['received', 'processed', 'delivery.retrying', 'delivery.delivered']);
  });

  test('a call that takes longer than timeoutMs is retried', async () => {
    bank.behaviours.set('TRF-SLOW', (call) => (call === 1 ? 'slow' : 'ack'));
    const { messageId } = await statusOfSubmittedTransfer('TRF-SLOW');
    const delivery = await settledDelivery(messageId);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2 });
    const timeline = await gateway.store.getTimeline(messageId);
    expect(JSON.stringify(timeline)).toContain(`no answer within ${TIMEOUT_MS} ms`);
  });

  test('a password the bank no longer accepts: its fault makes a dead letter', async () => {
    bank.expectedPassword = 'rotated-by-the-bank';
    const { messageId } = await statusOfSubmittedTransfer('TRF-WRONG-PASSWORD');
    const delivery = await settledDelivery(messageId);
    expect(delivery.status).toBe('dead');
    expect(delivery.attempts).toBe(1);
    expect(delivery.lastError).toContain('SOAP fault SOAP-ENV:Client (AuthenticationFailure)');
    expect(delivery.lastError).toContain('Invalid username or password');
    expect(bank.callsFor('TRF-WRONG-PASSWORD')).toBe(0);
  });
});
