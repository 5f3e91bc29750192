import path from 'node:path';
import { startPrivateRedis } from '../src/runtime/private-redis';
import {
  startTestGateway,
  stopTestGateway,
  TEST_API_KEY,
  type TestGateway,
} from './support/gateway';
import { WebhookSink } from './support/webhook-sink';
import { exampleDocumentText } from './support/examples';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';

const examplePo = exampleDocumentText('purchase-orders');

function postPo(gateway: TestGateway) {
  return fetch(`${gateway.url}/api/v1/purchase-orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    body: examplePo,
  });
}

test('healthz answers while the process lives; readyz only while Redis and the store answer, and intake refuses with 503', async () => {
  const redisDir = mkdtempSync(path.join(os.tmpdir(), 'crossdock-redis-'));
  const redis = await startPrivateRedis(redisDir);
  const gateway = await startTestGateway({
    webhookUrl: 'http://127.0.0.1:9/unused',
    env: { REDIS_URL: redis.url },
  });
  try {
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { redis: 'ok', store: 'ok' } });

    await redis.stop();
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${gateway.url}/readyz`);
    expect(notReady.status).toBe(503);
    const body = (await notReady.json()) as { checks: Record<string, string> };
    expect(body.checks.store).toBe('ok');
    expect(body.checks.redis).not.toBe('ok');

    const refused = await postPo(gateway);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(((await refused.json()) as { type: string }).type).toBe(
      'https://crossdock.dev/problems/service-unavailable',
    );
    // The bytes are kept for the operator, marked so that nobody takes them for in flight.
    const rows = await gateway.store.db.query<{ status: string }>('SELECT status FROM messages');
    expect(rows.map((r) => r.status)).toEqual(['enqueue_failed']);
  } finally {
    await stopTestGateway(gateway);
    await redis.stop();
    rmSync(redisDir, { recursive: true, force: true });
  }
});

test('a message accepted before a restart is delivered after it: queue and store both persist', async () => {
  const sink = new WebhookSink();
  const sinkUrl = await sink.start();
  sink.responder = () => ({ status: 503 });
  const first = await startTestGateway({ webhookUrl: sinkUrl });
  const { messageId } = (await (await postPo(first)).json()) as { messageId: string };
  await sink.waitFor(1);
  await stopTestGateway(first, false);

  sink.responder = () => ({ status: 204 });
  const second = await startTestGateway({
    webhookUrl: sinkUrl,
    home: first.home,
    varDir: first.varDir,
    database: first.database,
  });
  try {
    const deadline = Date.now() + 15_000;
    let status = '';
    while (Date.now() < deadline) {
      status = (await second.store.getDeliveriesOfMessage(messageId))[0]?.status ?? '';
      if (status === 'delivered') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('delivered');
  } finally {
    await stopTestGateway(second);
    await sink.stop();
  }
});
