import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { isWebhookVerified, type HeaderReader, type VerificationSettings } from './verify';

const NOW = 1_732_550_400;
const body = Buffer.from('{"id":"evt_1","type":"order.created","total":"25.00"}');
const tampered = Buffer.from('{"id":"evt_1","type":"order.created","total":"2500.00"}');

function headersOf(values: Record<string, string>): HeaderReader {
  const lower = Object.fromEntries(Object.entries(values).map(([k, v]) => [k.toLowerCase(), v]));
  return (name) => lower[name.toLowerCase()];
}

function settings(
  scheme: VerificationSettings['scheme'],
  secrets: string[],
  extra: Partial<VerificationSettings> = {},
): VerificationSettings {
  return { scheme, secrets, toleranceSeconds: 300, ...extra };
}

describe('Standard Webhooks, signed by the standardwebhooks package', () => {
  const current = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const previous = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

  function signed(secret: string, timestamp = NOW, payload = body) {
    return headersOf({
      'webhook-id': 'msg_2Kx',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': new Webhook(secret).sign(
        'msg_2Kx',
        new Date(timestamp * 1000),
        payload.toString(),
      ),
    });
  }

  test('a signature with the secret verifies', () => {
    expect(
      isWebhookVerified(settings('standard-webhooks', [current]), signed(current), body, NOW),
    ).toBe(true);
  });

  test('during a rotation, a signature with either secret verifies', () => {
    const both = settings('standard-webhooks', [current, previous]);
    expect(isWebhookVerified(both, signed(previous), body, NOW)).toBe(true);
    expect(isWebhookVerified(both, signed(current), body, NOW)).toBe(true);
    expect(
      isWebhookVerified(settings('standard-webhooks', [current]), signed(previous), body, NOW),
    ).toBe(false);
  });

  test('a header with several signatures verifies when any one of them is right', () => {
    const wrong = signed(previous)('webhook-signature')!;
    const right = signed(current)('webhook-signature')!;
    const headers = headersOf({
      'webhook-id': 'msg_2Kx',
      'webhook-timestamp': String(NOW),
      'webhook-signature': `${wrong} v2,ignored ${right}`,
    });
    expect(isWebhookVerified(settings('standard-webhooks', [current]), headers, body, NOW)).toBe(
      true,
    );
  });

  test('a tampered body, another id or a missing header does not verify', () => {
    const config = settings('standard-webhooks', [current]);
    expect(isWebhookVerified(config, signed(current), tampered, NOW)).toBe(false);
    const headers = signed(current);
    const otherId = (name: string) => (name === 'webhook-id' ? 'msg_other' : headers(name));
    expect(isWebhookVerified(config, otherId, body, NOW)).toBe(false);
    const noSignature = (name: string) =>
      name === 'webhook-signature' ? undefined : headers(name);
    expect(isWebhookVerified(config, noSignature, body, NOW)).toBe(false);
  });

  test('a timestamp outside the tolerance, either side, does not verify', () => {
    const config = settings('standard-webhooks', [current]);
    expect(isWebhookVerified(config, signed(current, NOW - 300), body, NOW)).toBe(true);
    expect(isWebhookVerified(config, signed(current, NOW - 301), body, NOW)).toBe(false);
    expect(isWebhookVerified(config, signed(current, NOW + 301), body, NOW)).toBe(false);
  });

  test('no usable secret verifies nothing', () => {
    expect(isWebhookVerified(settings('standard-webhooks', []), signed(current), body, NOW)).toBe(
      false,
    );
  });
});

describe('GitHub X-Hub-Signature-256', () => {
  const secret = "It's a Secret to Everybody";
  const sign = (key: string, payload: Buffer) =>
    `sha256=${createHmac('sha256', key).update(payload).digest('hex')}`;

  test("GitHub's documented example verifies", () => {
    // docs.github.com, "Validating webhook deliveries": this secret and payload give this signature.
    const headers = headersOf({
      'X-Hub-Signature-256':
        'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    });
    expect(
      isWebhookVerified(settings('github', [secret]), headers, Buffer.from('Hello, World!'), NOW),
    ).toBe(true);
  });

  test('rotated secrets, tampered bodies and malformed values', () => {
    const config = settings('github', ['new-secret', secret]);
    const headers = headersOf({ 'X-Hub-Signature-256': sign(secret, body) });
    expect(isWebhookVerified(config, headers, body, NOW)).toBe(true);
    expect(isWebhookVerified(config, headers, tampered, NOW)).toBe(false);
    const withGarbage = headersOf({ 'X-Hub-Signature-256': `${sign(secret, body)}zz` });
    expect(isWebhookVerified(config, withGarbage, body, NOW)).toBe(false);
    const sha1 = headersOf({ 'X-Hub-Signature-256': sign(secret, body).replace('sha256', 'sha1') });
    expect(isWebhookVerified(config, sha1, body, NOW)).toBe(false);
  });
});

describe('Stripe-Signature', () => {
  const secret = 'whsec_test_4eC39HqLyjWDarjtT1zdp7dc';
  const v1 = (key: string, timestamp: number, payload: Buffer) =>
    createHmac('sha256', key).update(`${timestamp}.`).update(payload).digest('hex');

  test('t and v1 over `${t}.${body}` verify', () => {
    const headers = headersOf({ 'Stripe-Signature': `t=${NOW},v1=${v1(secret, NOW, body)}` });
    expect(isWebhookVerified(settings('stripe', [secret]), headers, body, NOW)).toBe(true);
    expect(isWebhookVerified(settings('stripe', [secret]), headers, tampered, NOW)).toBe(false);
  });

  test('several v1 (Stripe rolling a secret) verify when one is right; v0 is ignored', () => {
    const headers = headersOf({
      'Stripe-Signature': `t=${NOW},v1=${v1('whsec_old', NOW, body)},v1=${v1(secret, NOW, body)},v0=${v1(secret, NOW, body)}`,
    });
    expect(isWebhookVerified(settings('stripe', [secret]), headers, body, NOW)).toBe(true);
    const onlyV0 = headersOf({ 'Stripe-Signature': `t=${NOW},v0=${v1(secret, NOW, body)}` });
    expect(isWebhookVerified(settings('stripe', [secret]), onlyV0, body, NOW)).toBe(false);
  });

  test('a stale t, or a t the signature was not made with, does not verify', () => {
    const stale = NOW - 301;
    const headers = headersOf({ 'Stripe-Signature': `t=${stale},v1=${v1(secret, stale, body)}` });
    expect(isWebhookVerified(settings('stripe', [secret]), headers, body, NOW)).toBe(false);
    const moved = headersOf({ 'Stripe-Signature': `t=${NOW},v1=${v1(secret, NOW - 10, body)}` });
    expect(isWebhookVerified(settings('stripe', [secret]), moved, body, NOW)).toBe(false);
  });
});

describe('generic HMAC header', () => {
  const secret = 'partner-shared-secret';

  test.each([
    ['sha256', 'hex', 'sha256='],
    ['sha512', 'base64', ''],
    ['sha1', 'hex', ''],
  ] as const)('%s in %s with prefix "%s"', (algorithm, encoding, prefix) => {
    const config = settings('hmac', [secret], {
      header: 'X-Signature',
      algorithm,
      encoding,
      prefix,
    });
    const signature = createHmac(algorithm, secret).update(body).digest(encoding);
    expect(
      isWebhookVerified(config, headersOf({ 'X-Signature': `${prefix}${signature}` }), body, NOW),
    ).toBe(true);
    expect(
      isWebhookVerified(
        config,
        headersOf({ 'X-Signature': `${prefix}${signature}` }),
        tampered,
        NOW,
      ),
    ).toBe(false);
    expect(
      isWebhookVerified(config, headersOf({ 'X-Other': `${prefix}${signature}` }), body, NOW),
    ).toBe(false);
  });

  test('a signature without the configured prefix does not verify', () => {
    const config = settings('hmac', [secret], { header: 'X-Signature', prefix: 'sha256=' });
    const signature = createHmac('sha256', secret).update(body).digest('hex');
    expect(isWebhookVerified(config, headersOf({ 'X-Signature': signature }), body, NOW)).toBe(
      false,
    );
  });
});
