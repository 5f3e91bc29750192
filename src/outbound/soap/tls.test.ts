/**
 * Mutual TLS: a real HTTPS server that demands a client certificate signed by its CA, and the
 * channel's certificate (with an encrypted key) beside its WS-Security UsernameToken.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { CanonicalEvent } from '../../canonical';
import type { SoapChannel } from '../../partners/partner.generated';
import type { LoadedPartner } from '../../partners/registry';
import { projectRoot } from '../../runtime/project-root';
import { DeliveryError } from '../adapter';
import { createSoapOutbound } from './index';

const dir = mkdtempSync(path.join(os.tmpdir(), 'crossdock-soap-tls-'));
const file = (name: string) => path.join(dir, name);
const KEY_PASSPHRASE = 'key-passphrase';

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA. */
function makeCertificates(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=Test Bank CA',
  );
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'req',
    ...ec,
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'server.ext',
  );
  openssl(
    'req',
    ...ec,
    '-keyout',
    'client.key',
    '-passout',
    `pass:${KEY_PASSPHRASE}`,
    '-out',
    'client.csr',
    '-subj',
    '/CN=crossdock',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'client.pem',
    '-days',
    '1',
  );
}

let server: https.Server;
let url: string;
const seen: Array<{ clientName: string | string[] | undefined; body: string }> = [];

beforeAll(async () => {
  makeCertificates();
  server = https.createServer(
    {
      key: readFileSync(file('server.key')),
      cert: readFileSync(file('server.pem')),
      ca: readFileSync(file('ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        seen.push({ clientName: peer.subject?.CN, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
        res.end(
          '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
            '<fhb:NotifyTransferStatusResponse xmlns:fhb="urn:firstharbor:callbacks:transfer-status:v1">' +
            '<fhb:Acknowledged>true</fhb:Acknowledged></fhb:NotifyTransferStatusResponse></soap:Body></soap:Envelope>',
        );
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function bank(tls: SoapChannel['tls']): LoadedPartner {
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
          security: { username: 'crossdock', password: 's3cret' },
          tls,
          timeoutMs: 5000,
        },
      },
    },
  };
}

const event = {
  specversion: '1.0',
  id: 'evt_tls',
  source: '/crossdock',
  type: 'com.crossdock.transfer-status',
  data: {
    transferId: 'TRF-TLS-1',
    endToEndId: 'E2E-TLS-1',
    status: 'accepted',
    statusTime: '2024-04-05T14:32:10Z',
    amount: { value: '0.01', currency: 'EUR' },
  },
} as unknown as CanonicalEvent;

const adapter = createSoapOutbound({
  wsdl: path.join(projectRoot(), 'wsdl'),
  mappings: path.join(projectRoot(), 'mappings'),
});
afterAll(() => adapter.close?.());

test('the client certificate (encrypted key) and the UsernameToken go together', async () => {
  const tls = {
    certFile: file('client.pem'),
    keyFile: file('client.key'),
    caFile: file('ca.pem'),
    passphrase: KEY_PASSPHRASE,
  };
  await expect(
    adapter.send(event, bank(tls), { deliveryId: 'dlv_tls', attempt: 1 }),
  ).resolves.toEqual({ statusCode: 200 });
  expect(seen).toHaveLength(1);
  expect(seen[0]!.clientName).toBe('crossdock');
  expect(seen[0]!.body).toContain('<wsse:Username>crossdock</wsse:Username>');
  expect(seen[0]!.body).toMatch(/Currency="EUR">0\.01</);
});

test('without a client certificate the bank refuses the connection: retried, not lost', async () => {
  const partner = { ...bank({ caFile: file('ca.pem') }) };
  partner.config = { ...partner.config, id: 'bank-without-certificate' };
  const error = await adapter.send(event, partner, { deliveryId: 'dlv_tls_2', attempt: 1 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  expect((error as DeliveryError).retryable).toBe(true);
  expect((error as DeliveryError).message).toMatch(/^could not call: /);
  expect(seen).toHaveLength(1);
});

test('a certificate file that is not there is a dead letter naming it', async () => {
  const partner = bank({ certFile: file('missing.pem'), keyFile: file('client.key') });
  partner.config = { ...partner.config, id: 'bank-with-missing-certificate' };
  const error = await adapter.send(event, partner, { deliveryId: 'dlv_tls_3', attempt: 1 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect((error as DeliveryError).retryable).toBe(false);
  expect((error as DeliveryError).message).toContain(
    `outbound.soap.tls.certFile ${file('missing.pem')} cannot be read`,
  );
});
