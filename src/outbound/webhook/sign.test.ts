import { Webhook } from 'standardwebhooks';
import fc from 'fast-check';
import { signStandardWebhook } from './sign';

// The standardwebhooks package is the reference implementation: what it accepts is correct.
describe('signStandardWebhook', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  test('produces signatures the reference verifier accepts, for any JSON body', () => {
    fc.assert(
      fc.property(fc.json(), fc.stringMatching(/^msg_[A-Za-z0-9]{1,20}$/), (body, id) => {
        const timestamp = Math.floor(Date.now() / 1000);
        const headers = {
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signStandardWebhook(secret, id, timestamp, body),
        };
        expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });

  test('signing the body as bytes gives the same signature as signing it as text', () => {
    fc.assert(
      fc.property(fc.json(), (body) => {
        const timestamp = Math.floor(Date.now() / 1000);
        expect(signStandardWebhook(secret, 'msg_1', timestamp, Buffer.from(body))).toBe(
          signStandardWebhook(secret, 'msg_1', timestamp, body),
        );
        const headers = {
          'webhook-id': 'msg_1',
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signStandardWebhook(secret, 'msg_1', timestamp, Buffer.from(body)),
        };
        expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
      }),
      { numRuns: 100 },
    );
  });

  test('a tampered body no longer verifies', () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signStandardWebhook(secret, 'msg_1', timestamp, '{"amount":"10.00"}'),
    };
    expect(() => new Webhook(secret).verify('{"amount":"10.01"}', headers)).toThrow();
  });
});
