import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { findFreePort } from '../../../runtime/private-redis';
import type { X12HttpChannel } from '../../../partners/partner.generated';
import { DeliveryError } from '../../adapter';
import { x12HttpTransport } from './http';
import { partnerWithOutbound, testContext, testPayload } from './testing/transport-fixtures';

interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

let server: http.Server;
let baseUrl: string;
const received: Received[] = [];
const hanging: http.ServerResponse[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks),
      });
      switch (new URL(request.url ?? '/', 'http://localhost').pathname) {
        case '/ok':
          return response.writeHead(200).end('accepted');
        case '/created':
          return response.writeHead(201).end();
        case '/down':
          return response.writeHead(500).end('database unavailable');
        case '/busy':
          return response.writeHead(429, { 'retry-after': '7' }).end();
        case '/maintenance':
          return response
            .writeHead(503, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() })
            .end();
        case '/bad':
          return response
            .writeHead(400, { 'content-type': 'text/plain' })
            .end(`ISA13 rejected:\n  interchange control number\talready used. ${'x'.repeat(500)}`);
        case '/huge':
          return response.writeHead(502).end(Buffer.alloc(4 * 1024 * 1024, 'proxy error '));
        case '/hang':
          hanging.push(response);
          return;
        default:
          return response.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  hanging.forEach((response) => response.destroy());
  await x12HttpTransport.close?.();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

function send(settings: Partial<X12HttpChannel>, payload = testPayload()) {
  const partner = partnerWithOutbound({
    channel: 'x12-http',
    x12Http: { url: `${baseUrl}/ok`, ...settings },
  });
  return x12HttpTransport.send(payload, partner, testContext('/unused', 3));
}

async function failureOf(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

test('posts the interchange bytes with its content type and headers; 2xx is delivered', async () => {
  const payload = testPayload();
  const result = await send(
    { url: `${baseUrl}/ok?token=abc`, headers: { authorization: 'Bearer t0k3n' } },
    payload,
  );
  expect(result).toEqual({ statusCode: 200, location: `${baseUrl}/ok` });
  expect(received).toHaveLength(1);
  expect(received[0]!.body).toEqual(payload.bytes);
  expect(received[0]!.headers).toMatchObject({
    'content-type': 'application/edi-x12',
    'content-length': String(payload.bytes.length),
    authorization: 'Bearer t0k3n',
    'x-crossdock-delivery': 'dlv_test_1',
    'x-crossdock-attempt': '3',
    'x-crossdock-message-id': payload.messageId,
  });
  await expect(
    send({ url: `${baseUrl}/created`, contentType: 'application/edi-x12; charset=us-ascii' }),
  ).resolves.toEqual({
    statusCode: 201,
    location: `${baseUrl}/created`,
  });
  expect(received[1]!.headers['content-type']).toBe('application/edi-x12; charset=us-ascii');
});

test('500 is retryable and says what the partner answered', async () => {
  const error = await failureOf(send({ url: `${baseUrl}/down` }));
  expect(error).toMatchObject({ retryable: true, statusCode: 500 });
  expect(error.message).toBe(`partner answered HTTP 500 at ${baseUrl}/down: database unavailable`);
});

test('429 with Retry-After seconds, and 503 with an HTTP date, are retryable after that delay', async () => {
  const busy = await failureOf(send({ url: `${baseUrl}/busy` }));
  expect(busy).toMatchObject({ retryable: true, statusCode: 429, retryAfterMs: 7000 });
  const maintenance = await failureOf(send({ url: `${baseUrl}/maintenance` }));
  expect(maintenance).toMatchObject({ retryable: true, statusCode: 503 });
  expect(maintenance.retryAfterMs).toBeGreaterThan(55_000);
  expect(maintenance.retryAfterMs).toBeLessThanOrEqual(60_000);
});

test('400 is permanent, with the status and a short one-line excerpt of the body', async () => {
  const error = await failureOf(send({ url: `${baseUrl}/bad` }));
  expect(error).toMatchObject({ retryable: false, statusCode: 400 });
  expect(error.message).toMatch(
    /^partner answered HTTP 400 at http:\/\/127\.0\.0\.1:\d+\/bad: ISA13 rejected: interchange control number already used\. x+…$/,
  );
  expect(error.message.length).toBeLessThan(300);
});

test('a huge error body is cut short, not held in memory', async () => {
  const error = await failureOf(send({ url: `${baseUrl}/huge` }));
  expect(error).toMatchObject({ retryable: true, statusCode: 502 });
  expect(error.message).toMatch(/: proxy error proxy error .*…$/);
  expect(error.message.length).toBeLessThan(300);
});

test('an endpoint that never answers times out, retryable', async () => {
  const started = Date.now();
  const error = await failureOf(send({ url: `${baseUrl}/hang`, timeoutMs: 300 }));
  expect(Date.now() - started).toBeLessThan(2000);
  expect(error).toMatchObject({ retryable: true, statusCode: null });
  expect(error.message).toContain('no answer within 300 ms');
});

test('a refused connection is retryable', async () => {
  const error = await failureOf(send({ url: `http://127.0.0.1:${await findFreePort()}/edi` }));
  expect(error.retryable).toBe(true);
  expect(error.message).toContain('ECONNREFUSED');
});

test('a URL that is not http(s), or still holds an unset ${ENV}, is permanent', async () => {
  expect(await failureOf(send({ url: 'ftp://edi.example/inbox' }))).toMatchObject({
    retryable: false,
  });
  const unset = await failureOf(send({ url: '${GLOBEX_EDI_URL}' }));
  expect(unset.retryable).toBe(false);
  expect(unset.message).toContain('GLOBEX_EDI_URL is not set');
  expect(received).toHaveLength(0);
});
