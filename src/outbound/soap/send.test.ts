import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { CanonicalEvent } from '../../canonical';
import type { Partner } from '../../partners/partner.generated';
import type { LoadedPartner } from '../../partners/registry';
import { projectRoot } from '../../runtime/project-root';
import { DeliveryError, type OutboundAdapter } from '../adapter';
import { createSoapOutbound } from './index';

/** A plain HTTP server standing in for a bank: it answers whatever the test says. */
interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Answer = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number };

const NS = 'urn:firstharbor:callbacks:transfer-status:v1';
const envelope11 = (body: string) =>
  `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body}</soap:Body></soap:Envelope>`;
const envelope12 = (body: string) =>
  `<?xml version="1.0"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>${body}</env:Body></env:Envelope>`;
const acknowledged = envelope11(
  `<fhb:NotifyTransferStatusResponse xmlns:fhb="${NS}"><fhb:Acknowledged>true</fhb:Acknowledged></fhb:NotifyTransferStatusResponse>`,
);

let server: http.Server;
let url: string;
let answer: () => Answer;
const received: Received[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const { status, headers, body, delayMs } = answer();
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8', ...headers });
        res.end(body ?? '');
      }, delayMs ?? 0).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let adapter: OutboundAdapter;
beforeEach(() => {
  received.length = 0;
  answer = () => ({ status: 200, body: acknowledged });
  adapter = createSoapOutbound({
    wsdl: path.join(projectRoot(), 'wsdl'),
    mappings: path.join(projectRoot(), 'mappings'),
  });
});
afterEach(() => adapter.close?.());

function bank(soap: Partial<NonNullable<Partner['outbound']>['soap']> = {}): LoadedPartner {
  return {
    file: 'first-harbor-bank.yaml',
    missingEnv: [],
    config: {
      id: 'first-harbor-bank',
      name: 'First Harbor Bank',
      outbound: {
        channel: 'soap',
        soap: {
          wsdl: 'first-harbor-bank/TransferStatusCallback.wsdl',
          endpoint: url,
          operations: {
            'com.crossdock.transfer-status': {
              operation: 'NotifyTransferStatus',
              map: 'first-harbor-transfer-status',
            },
          },
          security: { username: 'crossdock', password: 's3cret', passwordType: 'PasswordDigest' },
          timeoutMs: 2000,
          ...soap,
        },
      },
    },
  };
}

function statusEvent(data: Record<string, unknown> = {}): CanonicalEvent {
  return {
    specversion: '1.0',
    id: 'evt_1',
    source: '/crossdock',
    type: 'com.crossdock.transfer-status',
    time: '2024-04-05T14:32:11Z',
    datacontenttype: 'application/json',
    partnerid: 'acme-treasury',
    messageid: 'msg_1',
    correlationid: 'corr_1',
    data: {
      transferId: 'TRF-7F3K29QX',
      endToEndId: 'NWR-PAY-000381',
      status: 'executed',
      statusTime: '2024-04-05T14:32:10Z',
      amount: { value: '12345678901234567.89', currency: 'USD' },
      ...data,
    },
  } as unknown as CanonicalEvent;
}

const context = { deliveryId: 'dlv_1', attempt: 1 };

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

test('calls the operation with the mapped request, the exact amount and a digest UsernameToken', async () => {
  await expect(adapter.send(statusEvent(), bank(), context)).resolves.toEqual({ statusCode: 200 });
  const [request] = received;
  expect(request!.headers.soapaction).toBe(`"${NS}/NotifyTransferStatus"`);
  expect(request!.headers['x-crossdock-delivery']).toBe('dlv_1');
  const body = request!.body;
  expect(body).toMatch(/<\w+:Amount Currency="USD">12345678901234567\.89<\/\w+:Amount>/);
  expect(body).toMatch(/<\w+:Status>ACSC<\/\w+:Status>/);
  expect(body).not.toContain('ReasonCode');
  // Elements in the order of the WSDL's sequence.
  const order = ['TransferId', 'EndToEndId', 'Status', 'StatusTime', 'Amount'].map((name) =>
    body.search(new RegExp(`<\\w+:${name}[ >]`)),
  );
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(order.every((at) => at > 0)).toBe(true);

  const usernameToken = body.match(/<wsse:UsernameToken[\s\S]*<\/wsse:UsernameToken>/)![0];
  const token = (name: string) =>
    usernameToken.match(new RegExp(`<\\w+:${name}(?:\\s[^>]*)?>([^<]*)<`))?.[1];
  expect(token('Username')).toBe('crossdock');
  expect(usernameToken).toContain('#PasswordDigest');
  // WS-Security UsernameToken Profile 1.0: Base64(SHA-1(nonce bytes + Created + password)).
  const digest = createHash('sha1')
    .update(Buffer.from(token('Nonce')!, 'base64'))
    .update(token('Created')! + 's3cret')
    .digest('base64');
  expect(token('Password')).toBe(digest);
  expect(body).not.toContain('s3cret');
});

test('each call carries a fresh nonce', async () => {
  await adapter.send(statusEvent(), bank(), context);
  await adapter.send(statusEvent(), bank(), { ...context, attempt: 2 });
  const nonces = received.map((r) => r.body.match(/<wsse:Nonce[^>]*>([^<]*)</)?.[1]);
  expect(nonces[0]).toBeDefined();
  expect(nonces[0]).not.toBe(nonces[1]);
});

test('a SOAP 1.1 Client fault is a permanent failure with the fault text', async () => {
  answer = () => ({
    status: 500,
    body: envelope11(
      '<soap:Fault><faultcode>soap:Client</faultcode><faultstring>Unknown TransferId TRF-7F3K29QX</faultstring></soap:Fault>',
    ),
  });
  const error = await failure(adapter.send(statusEvent(), bank(), context));
  expect(error.retryable).toBe(false);
  expect(error.statusCode).toBe(500);
  expect(error.message).toBe(
    'receiver answered with SOAP fault soap:Client: Unknown TransferId TRF-7F3K29QX',
  );
});

test('a SOAP 1.2 Receiver fault is retryable, after the Retry-After the receiver asks for', async () => {
  answer = () => ({
    status: 503,
    headers: { 'retry-after': '3' },
    body: envelope12(
      '<env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code><env:Reason><env:Text xml:lang="en">Core banking offline</env:Text></env:Reason></env:Fault>',
    ),
  });
  const error = await failure(adapter.send(statusEvent(), bank(), context));
  expect(error.retryable).toBe(true);
  expect(error.retryAfterMs).toBe(3000);
  expect(error.message).toContain('env:Receiver: Core banking offline');
});

test.each([
  [503, true, '<html><body>Service Unavailable</body></html>'],
  [502, true, ''],
  [429, true, ''],
  [404, false, 'Not Found'],
  [401, false, ''],
  [302, false, ''],
])('HTTP %i without a fault → retryable %s', async (status, retryable, body) => {
  answer = () => ({ status, body, headers: { 'content-type': 'text/html', location: '/else' } });
  const error = await failure(adapter.send(statusEvent(), bank(), context));
  expect(error.retryable).toBe(retryable);
  expect(error.statusCode).toBe(status);
});

test('a 200 that is not a SOAP response is permanent', async () => {
  answer = () => ({ status: 200, body: 'all good!' });
  const error = await failure(adapter.send(statusEvent(), bank(), context));
  expect(error.retryable).toBe(false);
  expect(error.statusCode).toBe(200);
});

test('no answer within timeoutMs is retryable', async () => {
  answer = () => ({ status: 200, body: acknowledged, delayMs: 1500 });
  const started = Date.now();
  const error = await failure(adapter.send(statusEvent(), bank({ timeoutMs: 300 }), context));
  expect(Date.now() - started).toBeLessThan(1400);
  expect(error.retryable).toBe(true);
  expect(error.message).toBe('no answer within 300 ms');
});

test('a refused connection is retryable', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const error = await failure(
    adapter.send(statusEvent(), bank({ endpoint: `http://127.0.0.1:${port}/x` }), context),
  );
  expect(error.retryable).toBe(true);
  expect(error.message).toContain('ECONNREFUSED');
});

describe('configuration the call cannot go without: dead letters that say what is missing', () => {
  test('an unset password variable', async () => {
    const partner = bank({
      security: { username: 'crossdock', password: '${FHB_UNSET_PASSWORD}' },
    });
    const error = await failure(adapter.send(statusEvent(), partner, context));
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'partner first-harbor-bank: environment variable FHB_UNSET_PASSWORD is not set, so its SOAP service cannot be called',
    );
    expect(received).toHaveLength(0);
  });

  test('an event type without an operation', async () => {
    const event = { ...statusEvent(), type: 'com.crossdock.funds-transfer' } as CanonicalEvent;
    const error = await failure(adapter.send(event, bank(), context));
    expect(error.message).toContain('has no entry for com.crossdock.funds-transfer');
  });

  test('a document the map cannot turn into the request', async () => {
    const error = await failure(adapter.send(statusEvent({ amount: undefined }), bank(), context));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('the NotifyTransferStatus request cannot be built');
    expect(error.message).toContain('/Amount');
  });

  test('a WSDL that is not there, or outside the wsdl folder', async () => {
    for (const wsdl of ['first-harbor-bank/Missing.wsdl', '../package.json']) {
      const error = await failure(adapter.send(statusEvent(), bank({ wsdl }), context));
      expect(error.retryable).toBe(false);
      expect(error.message).toContain(`outbound.soap.wsdl ${wsdl} is not in`);
    }
  });

  test('an operation or port the WSDL does not have', async () => {
    const noOperation = bank({
      operations: {
        'com.crossdock.transfer-status': { operation: 'Nope', map: 'first-harbor-transfer-status' },
      },
    });
    expect((await failure(adapter.send(statusEvent(), noOperation, context))).message).toContain(
      'the WSDL has no operation Nope',
    );
    const noPort = bank({ service: 'TransferStatusCallbackService', port: 'Soap12' });
    expect((await failure(adapter.send(statusEvent(), noPort, context))).message).toContain(
      'has no port Soap12 (it has TransferStatusCallbackPort)',
    );
  });
});
