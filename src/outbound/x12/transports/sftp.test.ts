import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { utils } from 'ssh2';
import { findFreePort } from '../../../runtime/private-redis';
import type { X12SftpChannel } from '../../../partners/partner.generated';
import { DeliveryError } from '../../adapter';
import { x12SftpTransport } from './sftp';
import { startSftpTestServer, type SftpTestServer } from './testing/sftp-server';
import { partnerWithOutbound, testContext, testPayload } from './testing/transport-fixtures';

const clientKey = utils.generateKeyPairSync('ed25519', {
  passphrase: 'key-passphrase',
  cipher: 'aes256-ctr',
  // Few bcrypt rounds: the passphrase is what is tested, not the key derivation's cost.
  rounds: 4,
});

let root: string;
let server: SftpTestServer;

beforeEach(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'crossdock-sftp-'));
  fs.mkdirSync(path.join(root, 'outbox'));
  server = await startSftpTestServer({
    root,
    users: [
      { username: 'globex', password: 'sftp-secret' },
      { username: 'globex-key', publicKey: clientKey.public },
    ],
  });
});

afterEach(async () => {
  await server.close();
  fs.rmSync(root, { recursive: true, force: true });
});

function send(settings: Partial<X12SftpChannel>, payload = testPayload()) {
  const partner = partnerWithOutbound({
    channel: 'x12-sftp',
    x12Sftp: {
      host: server.host,
      port: server.port,
      username: 'globex',
      password: 'sftp-secret',
      directory: '/outbox',
      timeoutMs: 5000,
      ...settings,
    },
  });
  return x12SftpTransport.send(payload, partner, testContext(root));
}

function filesIn(directory: string): string[] {
  return fs.readdirSync(path.join(root, directory)).sort();
}

async function failureOf(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

/** The transport must hang up every time; the server sees the close shortly after. */
async function expectNoOpenConnections(): Promise<void> {
  for (let i = 0; i < 150 && server.openConnections() > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(server.openConnections()).toBe(0);
}

test('uploads with a password under the rendered name, leaving no temporary file', async () => {
  const payload = testPayload();
  const result = await send({ fileName: '{partnerId}-{set}-{isa13}.edi' });
  expect(result).toEqual({
    statusCode: null,
    location: `sftp://127.0.0.1:${server.port}/outbox/globex-retail-810-000000042.edi`,
  });
  expect(filesIn('outbox')).toEqual(['globex-retail-810-000000042.edi']);
  expect(fs.readFileSync(path.join(root, 'outbox', 'globex-retail-810-000000042.edi'))).toEqual(
    payload.bytes,
  );
  await expectNoOpenConnections();
});

test('uploads with an encrypted private key to a pinned host key, into a home-relative directory', async () => {
  const result = await send({
    username: 'globex-key',
    password: undefined,
    privateKey: clientKey.private,
    passphrase: 'key-passphrase',
    hostKeySha256: `SHA256:${server.hostKeySha256}`,
    directory: 'outbox',
  });
  expect(result.location).toBe(
    `sftp://127.0.0.1:${server.port}/~/outbox/globex-retail-000000042.x12`,
  );
  expect(filesIn('outbox')).toEqual(['globex-retail-000000042.x12']);
  await expectNoOpenConnections();
});

test('a key whose line breaks were written as \\n in the environment still works', async () => {
  await send({
    username: 'globex-key',
    password: undefined,
    privateKey: clientKey.private.replace(/\n/g, '\\n'),
    passphrase: 'key-passphrase',
  });
  expect(filesIn('outbox')).toEqual(['globex-retail-000000042.x12']);
});

test('a wrong password is permanent and nothing is written', async () => {
  const error = await failureOf(send({ password: 'not-the-password' }));
  expect(error.retryable).toBe(false);
  expect(error.message).toContain('refused user globex');
  expect(filesIn('outbox')).toEqual([]);
  await expectNoOpenConnections();
});

test('a private key that its passphrase does not open is permanent', async () => {
  const error = await failureOf(
    send({
      username: 'globex-key',
      password: undefined,
      privateKey: clientKey.private,
      passphrase: 'not-the-passphrase',
    }),
  );
  expect(error.retryable).toBe(false);
  expect(error.message).toContain('private key');
});

test('a host key other than the pinned one is permanent', async () => {
  const error = await failureOf(
    send({ hostKeySha256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg' }),
  );
  expect(error.retryable).toBe(false);
  expect(error.message).toContain(`presented host key SHA256:${server.hostKeySha256}`);
  expect(filesIn('outbox')).toEqual([]);
  await expectNoOpenConnections();
});

test('a server that is down is retryable', async () => {
  const error = await failureOf(send({ port: await findFreePort() }));
  expect(error.retryable).toBe(true);
  expect(error.message).toMatch(/ECONNREFUSED/);
});

test('a server that accepts the connection but never speaks SSH times out, retryable', async () => {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((socket) => {
    sockets.push(socket);
    socket.resume();
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const started = Date.now();
    const error = await failureOf(
      send({ port: (silent.address() as net.AddressInfo).port, timeoutMs: 300 }),
    );
    expect(error.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
    // Our side hung up: the server sees its end of the socket close.
    const isClosed = () => sockets.every((socket) => socket.destroyed || socket.readableEnded);
    // Polled: on a busy machine the close can take longer to arrive than a fixed pause.
    for (let i = 0; i < 100 && !isClosed(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sockets.length).toBe(1);
    expect(isClosed()).toBe(true);
  } finally {
    sockets.forEach((socket) => socket.destroy());
    silent.close();
  }
});

test('a directory missing on the server is permanent', async () => {
  const error = await failureOf(send({ directory: '/no-such-outbox' }));
  expect(error.retryable).toBe(false);
  expect(error.message).toBe(
    `directory /no-such-outbox does not exist on sftp://127.0.0.1:${server.port}`,
  );
  await expectNoOpenConnections();
});

test('sending the same interchange again is a successful re-delivery; other bytes under that name are refused', async () => {
  const payload = testPayload();
  await send({}, payload);
  await expect(send({}, payload)).resolves.toMatchObject({ statusCode: null });
  const other = testPayload({ bytes: Buffer.concat([payload.bytes, Buffer.from('\n')]) });
  const error = await failureOf(send({}, other));
  expect(error.retryable).toBe(false);
  expect(error.message).toContain('already exists');
  expect(filesIn('outbox')).toEqual(['globex-retail-000000042.x12']);
  expect(fs.readFileSync(path.join(root, 'outbox', 'globex-retail-000000042.x12'))).toEqual(
    payload.bytes,
  );
  await expectNoOpenConnections();
});

test('an unset ${ENV} secret is refused before connecting', async () => {
  const error = await failureOf(send({ password: '${GLOBEX_SFTP_PASSWORD}' }));
  expect(error.retryable).toBe(false);
  expect(error.message).toContain('GLOBEX_SFTP_PASSWORD is not set');
});
