import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { X12FileChannel } from '../../../partners/partner.generated';
import { DeliveryError } from '../../adapter';
import type { X12Payload } from '../transport';
import { x12FileTransport } from './file';
import { partnerWithOutbound, testContext, testPayload } from './testing/transport-fixtures';

let varDir: string;

beforeEach(() => {
  varDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crossdock-file-'));
});

afterEach(() => {
  fs.rmSync(varDir, { recursive: true, force: true });
});

function send(settings: Partial<X12FileChannel>, payload: X12Payload = testPayload()) {
  const partner = partnerWithOutbound({
    channel: 'x12-file',
    x12File: { directory: 'outbox/globex', ...settings },
  });
  return x12FileTransport.send(payload, partner, testContext(varDir));
}

async function failureOf(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

test('writes the interchange under var/ (directory created) with the default name', async () => {
  const payload = testPayload();
  const result = await send({});
  const finalPath = path.join(varDir, 'outbox', 'globex', 'globex-retail-000000042.x12');
  expect(result).toEqual({ statusCode: null, location: finalPath });
  expect(fs.readFileSync(finalPath)).toEqual(payload.bytes);
  expect(fs.readdirSync(path.dirname(finalPath))).toEqual(['globex-retail-000000042.x12']);
});

test('an absolute directory is used as is, with the pattern rendered', async () => {
  const share = path.join(varDir, 'mounted-share');
  const result = await send({ directory: share, fileName: '{set}_{gs06}_{timestamp}.edi' });
  expect(result.location).toBe(path.join(share, '810_7_20260102030405006.edi'));
});

test('a reader never sees a partial file under the final name', async () => {
  const payload = testPayload({ bytes: Buffer.alloc(32 * 1024 * 1024, 'SE*3*0001~') });
  const directory = path.join(varDir, 'outbox', 'globex');
  const finalPath = path.join(directory, 'globex-retail-000000042.x12');
  fs.mkdirSync(directory, { recursive: true });
  const seen = { partial: 0, complete: 0, temporary: 0 };
  let isSending = true;
  const watch = async () => {
    while (isSending) {
      for (const name of fs.readdirSync(directory)) {
        if (name.startsWith('.globex-retail-000000042.x12.tmp-')) seen.temporary++;
      }
      try {
        const size = fs.statSync(finalPath).size;
        if (size === payload.bytes.length) seen.complete++;
        else seen.partial++;
      } catch {
        // Not published yet.
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const watching = watch();
  await send({}, payload);
  isSending = false;
  await watching;
  // The watcher ran while the temporary file was being written, and never saw a short file.
  expect(seen.temporary).toBeGreaterThan(0);
  expect(seen.partial).toBe(0);
  expect(fs.readFileSync(finalPath).equals(payload.bytes)).toBe(true);
  expect(fs.readdirSync(directory)).toEqual(['globex-retail-000000042.x12']);
});

test('the same interchange sent again is a successful re-delivery', async () => {
  const payload = testPayload();
  const first = await send({}, payload);
  await expect(send({}, payload)).resolves.toEqual(first);
  expect(fs.readdirSync(path.dirname(first.location))).toEqual(['globex-retail-000000042.x12']);
});

test('other bytes under an existing name are refused permanently; the file is untouched', async () => {
  const payload = testPayload();
  const { location } = await send({}, payload);
  const other = testPayload({
    bytes: Buffer.from(payload.bytes.toString().replace('INV-1', 'INV-2')),
  });
  const error = await failureOf(send({}, other));
  expect(error.retryable).toBe(false);
  expect(error.message).toContain('already exists with other content');
  expect(fs.readFileSync(location)).toEqual(payload.bytes);
  expect(fs.readdirSync(path.dirname(location))).toEqual(['globex-retail-000000042.x12']);
});

test('two different interchanges racing for one name: one is written, the other refused', async () => {
  const payloads = Array.from({ length: 8 }, (_, i) =>
    testPayload({ bytes: Buffer.alloc(256 * 1024, `variant ${i}~`) }),
  );
  const outcomes = await Promise.allSettled(payloads.map((payload) => send({}, payload)));
  const written = outcomes.filter((outcome) => outcome.status === 'fulfilled');
  expect(written).toHaveLength(1);
  const winner = payloads[outcomes.indexOf(written[0]!)]!;
  const finalPath = (written[0] as PromiseFulfilledResult<{ location: string }>).value.location;
  expect(fs.readFileSync(finalPath).equals(winner.bytes)).toBe(true);
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') {
      expect(outcome.reason).toBeInstanceOf(DeliveryError);
      expect((outcome.reason as DeliveryError).retryable).toBe(false);
    }
  }
  expect(fs.readdirSync(path.dirname(finalPath))).toEqual(['globex-retail-000000042.x12']);
});

test('a directory that cannot exist (a file is in its way) is permanent', async () => {
  fs.writeFileSync(path.join(varDir, 'outbox'), 'not a directory');
  const error = await failureOf(send({}));
  expect(error.retryable).toBe(false);
  expect(error.message).toContain('ENOTDIR');
});

test('a pattern that would leave the directory is refused before anything is written', async () => {
  const error = await failureOf(
    send({ fileName: '{messageId}.x12' }, testPayload({ messageId: '../escape' })),
  );
  expect(error.retryable).toBe(false);
  expect(fs.existsSync(path.join(varDir, 'outbox'))).toBe(false);
});
