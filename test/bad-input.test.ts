import {
  startTestGateway,
  stopTestGateway,
  TEST_API_KEY,
  type TestGateway,
} from './support/gateway';
import { exampleDocument } from './support/examples';

const examplePo = exampleDocument('purchase-orders');

async function messageCount(gateway: TestGateway): Promise<number> {
  const [row] = await gateway.store.db.query<{ n: string }>(
    'SELECT count(*)::text AS n FROM messages',
  );
  return Number(row!.n);
}

describe('bad input gets a precise problem+json and stores nothing half-way', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({
      webhookUrl: 'http://127.0.0.1:9/unused',
      env: { CROSSDOCK_MAX_BODY_BYTES: '65536' },
    });
  });
  afterAll(() => stopTestGateway(gateway));

  async function post(
    body: string | Buffer,
    headers: Record<string, string> = {},
    resource = 'purchase-orders',
  ) {
    const response = await fetch(`${gateway.url}/api/v1/${resource}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${TEST_API_KEY}`,
        ...headers,
      },
      body,
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    return { status: response.status, problem: (await response.json()) as Record<string, unknown> };
  }

  test('malformed JSON: 400 invalid-json naming the position', async () => {
    const before = await messageCount(gateway);
    const { status, problem } = await post('{"poNumber": "PO-1",');
    expect(status).toBe(400);
    expect(problem).toMatchObject({
      type: 'https://crossdock.dev/problems/invalid-json',
      status: 400,
    });
    expect(String(problem.detail)).toMatch(/JSON/);
    expect(await messageCount(gateway)).toBe(before);
  });

  test('schema failures: 422 with a JSON pointer per failing field', async () => {
    const before = await messageCount(gateway);
    const po = structuredClone(examplePo) as Record<string, unknown> & {
      lines: Array<Record<string, unknown>>;
    };
    delete po.poNumber;
    po.lines[1]!.quantity = 12; // a number, not a decimal string
    const { status, problem } = await post(JSON.stringify(po));
    expect(status).toBe(422);
    expect(problem.type).toBe('https://crossdock.dev/problems/validation-failed');
    const pointers = (problem.errors as Array<{ pointer: string }>).map((e) => e.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/poNumber', '/lines/1/quantity']));
    expect(await messageCount(gateway)).toBe(before);
  });

  test('a body over the limit: 413', async () => {
    const { status, problem } = await post(Buffer.alloc(70_000, 0x20));
    expect(status).toBe(413);
    expect(problem.type).toBe('https://crossdock.dev/problems/payload-too-large');
  });

  test('the wrong media type: 415; an empty body: 400', async () => {
    expect(
      (await post('poNumber=1', { 'content-type': 'application/x-www-form-urlencoded' })).status,
    ).toBe(415);
    expect((await post('')).status).toBe(400);
  });

  test('no key or a wrong key: 401; a key without the scope: 403', async () => {
    expect((await post(JSON.stringify(examplePo), { authorization: '' })).status).toBe(401);
    expect((await post(JSON.stringify(examplePo), { authorization: 'Bearer nope' })).status).toBe(
      401,
    );
    const { status, problem } = await post(JSON.stringify(examplePo), {
      authorization: 'Bearer invoices-only-key',
    });
    expect(status).toBe(403);
    expect(String(problem.detail)).toContain('purchase-orders:write');
  });

  test('unknown routes and resources: 404 problem', async () => {
    expect((await post('{}', {}, 'bananas')).status).toBe(404);
    const response = await fetch(`${gateway.url}/nowhere`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
