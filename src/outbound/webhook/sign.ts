import { createHmac } from 'node:crypto';

/** Secrets' decoded keys: every delivery to a subscriber signs with the same one. */
const keys = new Map<string, Buffer>();
const KEYS_KEPT = 1_000;

function keyOf(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
    if (keys.size >= KEYS_KEPT) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/**
 * Standard Webhooks signing: HMAC-SHA256 over `${id}.${timestamp}.${body}` with the secret's
 * base64 key (after its `whsec_` prefix), sent as `v1,<base64 signature>`. The body may be the
 * bytes to be sent, so one encoded body serves every subscriber of an event.
 */
export function signStandardWebhook(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string | Buffer,
): string {
  const signature = createHmac('sha256', keyOf(secret))
    .update(`${id}.${timestampSeconds}.`)
    .update(body)
    .digest('base64');
  return `v1,${signature}`;
}
