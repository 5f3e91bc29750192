import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { passwordDigest, WSSecurity } from 'soap';
import { startPrivateRedis, type PrivateRedis } from '../runtime/private-redis';
import { SOAP11_ENVELOPE_NS, SOAP12_ENVELOPE_NS } from './envelope';
import { RedisNonceRegistry } from './nonce-registry';
import {
  buildUsernameTokenHeader,
  parseDateTime,
  passwordDigestOf,
  verifyBasicAuth,
  verifySecurityHeader,
  WSSE_NS,
  WSU_NS,
  type SecurityPolicy,
} from './ws-security';
import { parseGuardedXml } from './xml-guard';
import { childElement, type XmlElement } from './xml-tree';

const ALICE = { username: 'alice', password: 'S3cret&<pw> "x"' };
const BOB = { username: 'bob', password: 'b0b-pass' };

const POLICY: SecurityPolicy = {
  users: [ALICE, BOB],
  passwordTypes: ['PasswordDigest', 'PasswordText'],
  freshnessSeconds: 300,
  clockSkewSeconds: 60,
};

/** The blocks inside a SOAP 1.1 Header, read the way a request is. */
function header(blocks: string): XmlElement {
  return parseGuardedXml(
    Buffer.from(`<soapenv:Header xmlns:soapenv="${SOAP11_ENVELOPE_NS}">${blocks}</soapenv:Header>`),
  );
}

function digestToken(options: { user?: typeof ALICE; at: Date; nonce?: Buffer }): string {
  const user = options.user ?? ALICE;
  return buildUsernameTokenHeader({
    ...user,
    passwordType: 'PasswordDigest',
    now: options.at,
    nonce: options.nonce,
  });
}

describe('verifySecurityHeader', () => {
  let redisDir: string;
  let server: PrivateRedis;
  let redis: Redis;
  let testNumber = 0;
  let nonces: RedisNonceRegistry;

  beforeAll(async () => {
    redisDir = mkdtempSync(path.join(os.tmpdir(), 'wss-redis-'));
    server = await startPrivateRedis(redisDir);
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });

  beforeEach(() => {
    nonces = new RedisNonceRegistry(redis, `test:wss:${++testNumber}:`);
  });

  afterAll(async () => {
    await redis.quit();
    await server.stop();
    rmSync(redisDir, { recursive: true, force: true });
  });

  const verify = (blocks: string, now = new Date(), policy = POLICY) =>
    verifySecurityHeader(header(blocks), policy, nonces, now);

  describe('tokens written by the soap package', () => {
    it('accepts its PasswordDigest token with a Timestamp', async () => {
      const security = new WSSecurity(ALICE.username, ALICE.password, {
        passwordType: 'PasswordDigest',
      });
      await expect(verify(security.toXML())).resolves.toEqual({ ok: true, username: 'alice' });
    });

    it('accepts its PasswordText token, with and without a nonce', async () => {
      const plain = new WSSecurity(BOB.username, BOB.password, {
        passwordType: 'PasswordText',
        hasTimeStamp: false,
      });
      await expect(verify(plain.toXML())).resolves.toEqual({ ok: true, username: 'bob' });
      const withNonce = new WSSecurity(ALICE.username, ALICE.password, {
        passwordType: 'PasswordText',
        hasNonce: true,
      });
      await expect(verify(withNonce.toXML())).resolves.toEqual({ ok: true, username: 'alice' });
    });

    it('refuses its token the second time (replay)', async () => {
      const xml = new WSSecurity(ALICE.username, ALICE.password, {
        passwordType: 'PasswordDigest',
      }).toXML();
      await expect(verify(xml)).resolves.toMatchObject({ ok: true });
      await expect(verify(xml)).resolves.toEqual({
        ok: false,
        reason: 'the nonce was used before (replay)',
      });
    });

    it('refuses its token with the wrong password', async () => {
      const xml = new WSSecurity(ALICE.username, 'guess', {
        passwordType: 'PasswordDigest',
      }).toXML();
      await expect(verify(xml)).resolves.toMatchObject({ ok: false });
    });

    it('computes the same digest as its passwordDigest', () => {
      for (let n = 0; n < 50; n++) {
        const nonce = randomBytes(1 + (n % 24));
        const created = new Date(Date.now() - n * 7919).toISOString();
        const password = randomBytes(n % 13).toString('latin1') + 'päss€';
        expect(passwordDigestOf(nonce, created, password)).toBe(
          passwordDigest(nonce.toString('base64'), created, password),
        );
      }
    });
  });

  describe('buildUsernameTokenHeader', () => {
    it('writes a token whose digest the soap package agrees with', async () => {
      const now = new Date();
      const parsed = header(digestToken({ at: now }));
      const token = childElement(
        childElement(parsed, WSSE_NS, 'Security')!,
        WSSE_NS,
        'UsernameToken',
      )!;
      const text = (ns: string, name: string) => childElement(token, ns, name)!.text;
      expect(text(WSSE_NS, 'Username')).toBe('alice');
      expect(text(WSSE_NS, 'Password')).toBe(
        passwordDigest(text(WSSE_NS, 'Nonce'), text(WSU_NS, 'Created'), ALICE.password),
      );
      await expect(verify(digestToken({ at: now }), now)).resolves.toEqual({
        ok: true,
        username: 'alice',
      });
    });

    it('writes PasswordText escaped, a Timestamp and mustUnderstand when asked', async () => {
      const now = new Date();
      const xml = buildUsernameTokenHeader({
        ...ALICE,
        passwordType: 'PasswordText',
        now,
        timestampSeconds: 300,
        mustUnderstand: '1.2',
      });
      const security = childElement(header(xml), WSSE_NS, 'Security')!;
      expect(security.attributes).toContainEqual({
        ns: SOAP12_ENVELOPE_NS,
        name: 'mustUnderstand',
        value: 'true',
      });
      expect(
        childElement(childElement(security, WSU_NS, 'Timestamp')!, WSU_NS, 'Expires')?.text,
      ).toBe(new Date(now.getTime() + 300_000).toISOString());
      const password = childElement(
        childElement(security, WSSE_NS, 'UsernameToken')!,
        WSSE_NS,
        'Password',
      );
      expect(password?.text).toBe(ALICE.password);
      await expect(verify(xml, now)).resolves.toEqual({ ok: true, username: 'alice' });
    });
  });

  describe('freshness', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

    it('accepts a Created within the window plus skew and refuses a stale one', async () => {
      await expect(verify(digestToken({ at: at(-355) }), now)).resolves.toMatchObject({ ok: true });
      await expect(verify(digestToken({ at: at(-361) }), now)).resolves.toEqual({
        ok: false,
        reason: 'the token Created is older than the freshness window',
      });
      await expect(verify(digestToken({ at: at(-3600) }), now)).resolves.toMatchObject({
        ok: false,
      });
    });

    it('accepts a Created slightly ahead (skew) and refuses one in the future', async () => {
      await expect(verify(digestToken({ at: at(30) }), now)).resolves.toMatchObject({ ok: true });
      await expect(verify(digestToken({ at: at(120) }), now)).resolves.toEqual({
        ok: false,
        reason: 'the token Created is in the future',
      });
    });

    it('remembers a nonce as long as a token carrying it can pass', async () => {
      const nonce = randomBytes(16);
      await expect(verify(digestToken({ at: at(-10), nonce }), now)).resolves.toMatchObject({
        ok: true,
      });
      const keys = await redis.keys(`test:wss:${testNumber}:*`);
      expect(keys).toHaveLength(1);
      expect(await redis.ttl(keys[0] as string)).toBe(300 + 2 * 60);
    });

    it('honours a Timestamp: refused when expired or created in the future', async () => {
      const timestamp = (created: Date, expires: Date) =>
        `<wsu:Timestamp xmlns:wsu="${WSU_NS}"><wsu:Created>${created.toISOString()}</wsu:Created><wsu:Expires>${expires.toISOString()}</wsu:Expires></wsu:Timestamp>`;
      const withTimestamp = (stamp: string) =>
        digestToken({ at: now }).replace(/(<wsse:Security[^>]*>)/, `$1${stamp}`);
      await expect(verify(withTimestamp(timestamp(at(-10), at(290))), now)).resolves.toMatchObject({
        ok: true,
      });
      await expect(verify(withTimestamp(timestamp(at(-700), at(-100))), now)).resolves.toEqual({
        ok: false,
        reason: 'the wsu:Timestamp has expired',
      });
      await expect(verify(withTimestamp(timestamp(at(200), at(500))), now)).resolves.toEqual({
        ok: false,
        reason: 'the wsu:Timestamp is created in the future',
      });
      await expect(
        verify(withTimestamp(timestamp(at(0), at(10)) + timestamp(at(0), at(10))), now),
      ).resolves.toMatchObject({ ok: false, reason: 'more than one wsu:Timestamp' });
    });

    it('reads xsd:dateTime with fractions and offsets', () => {
      expect(parseDateTime('2026-03-01T12:00:00Z')).toBe(now.getTime());
      expect(parseDateTime('2026-03-01T13:30:00.1234567+01:30')).toBe(now.getTime() + 123);
      expect(parseDateTime('2026-03-01T12:00:00')).toBe(now.getTime());
      expect(parseDateTime('2026-13-01T12:00:00Z')).toBeUndefined();
      expect(parseDateTime('yesterday')).toBeUndefined();
    });
  });

  describe('credentials', () => {
    it('refuses a wrong password and an unknown user with the same reason', async () => {
      const wrong = await verify(
        digestToken({ user: { ...ALICE, password: 'nope' }, at: new Date() }),
      );
      const unknown = await verify(
        digestToken({ user: { username: 'mallory', password: ALICE.password }, at: new Date() }),
      );
      expect(wrong).toEqual({ ok: false, reason: 'the username or password does not match' });
      expect(unknown).toEqual(wrong);
      const text = await verify(
        buildUsernameTokenHeader({
          ...BOB,
          password: 'nope',
          passwordType: 'PasswordText',
          now: new Date(),
        }),
      );
      expect(text).toEqual(wrong);
    });

    it('does not burn the nonce of a refused attempt, and keeps nonces per user', async () => {
      const nonce = randomBytes(16);
      const now = new Date();
      await expect(
        verify(digestToken({ user: { ...ALICE, password: 'nope' }, at: now, nonce }), now),
      ).resolves.toMatchObject({
        ok: false,
      });
      await expect(verify(digestToken({ at: now, nonce }), now)).resolves.toMatchObject({
        ok: true,
      });
      await expect(verify(digestToken({ user: BOB, at: now, nonce }), now)).resolves.toMatchObject({
        ok: true,
      });
    });

    it('treats another spelling of the same nonce as a replay', async () => {
      const now = new Date();
      const nonce = randomBytes(18);
      const xml = digestToken({ at: now, nonce });
      await expect(verify(xml, now)).resolves.toMatchObject({ ok: true });
      const respelled = xml.replace(
        nonce.toString('base64'),
        `\n ${nonce.toString('base64').replace(/(.{8})/, '$1\n ')}\n`,
      );
      expect(respelled).not.toBe(xml);
      await expect(verify(respelled, now)).resolves.toEqual({
        ok: false,
        reason: 'the nonce was used before (replay)',
      });
    });

    it('refuses a digest without a nonce or without Created', async () => {
      const now = new Date();
      const xml = digestToken({ at: now });
      await expect(
        verify(xml.replace(/<wsse:Nonce[^>]*>[^<]*<\/wsse:Nonce>/, ''), now),
      ).resolves.toEqual({
        ok: false,
        reason: 'a PasswordDigest token needs a Nonce and a Created',
      });
      await expect(
        verify(xml.replace(/<wsu:Created>[^<]*<\/wsu:Created>/, ''), now),
      ).resolves.toEqual({
        ok: false,
        reason: 'a PasswordDigest token needs a Nonce and a Created',
      });
      await expect(
        verify(xml.replace(/(<wsse:Nonce[^>]*>)[^<]*/, '$1not base64!'), now),
      ).resolves.toEqual({
        ok: false,
        reason: 'the Nonce is not Base64',
      });
    });

    it('refuses a password form the policy does not accept, or an unknown one', async () => {
      const now = new Date();
      const text = buildUsernameTokenHeader({ ...ALICE, passwordType: 'PasswordText', now });
      await expect(
        verify(text, now, { ...POLICY, passwordTypes: ['PasswordDigest'] }),
      ).resolves.toEqual({
        ok: false,
        reason: 'PasswordText is not accepted for this caller',
      });
      await expect(
        verify(text.replace('#PasswordText', '#PasswordSHA256'), now),
      ).resolves.toMatchObject({ ok: false });
    });

    it('refuses a missing header, a Security block for another actor, and two tokens', async () => {
      await expect(verifySecurityHeader(undefined, POLICY, nonces, new Date())).resolves.toEqual({
        ok: false,
        reason: 'no wsse:Security header',
      });
      const elsewhere = digestToken({ at: new Date() }).replace(
        '<wsse:Security ',
        '<wsse:Security soapenv:actor="urn:some-intermediary" ',
      );
      await expect(verify(elsewhere)).resolves.toEqual({
        ok: false,
        reason: 'no wsse:Security header',
      });
      const token = /<wsse:UsernameToken>.*<\/wsse:UsernameToken>/.exec(
        digestToken({ at: new Date() }),
      )![0];
      const twice = digestToken({ at: new Date() }).replace(
        '</wsse:Security>',
        `${token}</wsse:Security>`,
      );
      await expect(verify(twice)).resolves.toEqual({
        ok: false,
        reason: 'more than one wsse:UsernameToken',
      });
    });
  });
});

describe('verifyBasicAuth', () => {
  const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
  const users = [ALICE, { username: 'carol', password: 'with:colon' }];

  it('accepts the right password, including one with a colon', () => {
    expect(verifyBasicAuth(basic(`alice:${ALICE.password}`), users)).toEqual({
      ok: true,
      username: 'alice',
    });
    expect(verifyBasicAuth(basic('carol:with:colon'), users)).toEqual({
      ok: true,
      username: 'carol',
    });
    expect(
      verifyBasicAuth(`basic  ${Buffer.from('carol:with:colon').toString('base64')}`, users),
    ).toMatchObject({
      ok: true,
    });
  });

  it('refuses a wrong password and an unknown user alike, and malformed headers', () => {
    const wrong = verifyBasicAuth(basic('alice:nope'), users);
    expect(wrong).toEqual({ ok: false, reason: 'the username or password does not match' });
    expect(verifyBasicAuth(basic(`mallory:${ALICE.password}`), users)).toEqual(wrong);
    expect(verifyBasicAuth(undefined, users)).toMatchObject({ ok: false });
    expect(verifyBasicAuth('Bearer abc', users)).toMatchObject({ ok: false });
    expect(verifyBasicAuth(basic('no-colon'), users)).toMatchObject({ ok: false });
    expect(verifyBasicAuth(basic('alice:'), [])).toEqual(wrong);
  });
});
