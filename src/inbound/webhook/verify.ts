/**
 * Signature checks of inbound webhooks, over the raw bytes as they arrived. Every comparison
 * is constant-time on equal-length buffers; a header that holds several signatures (Standard
 * Webhooks "v1,a v1,b", Stripe's repeated v1=) and several secrets (rotation) are all tried,
 * and no early exit tells which part failed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookInbound } from '../../partners/partner.generated';

export type WebhookScheme = WebhookInbound['scheme'];

export interface VerificationSettings {
  scheme: WebhookScheme;
  /** Resolved secrets, the current one and any still accepted during a rotation. */
  secrets: readonly string[];
  toleranceSeconds: number;
  header?: string;
  algorithm?: 'sha256' | 'sha512' | 'sha1';
  encoding?: 'hex' | 'base64';
  prefix?: string;
}

/** Header lookup by name, case-insensitive as HTTP headers are (express's req.get). */
export type HeaderReader = (name: string) => string | undefined;

export function isWebhookVerified(
  settings: VerificationSettings,
  header: HeaderReader,
  raw: Buffer,
  nowSeconds: number,
): boolean {
  if (settings.secrets.length === 0) return false;
  switch (settings.scheme) {
    case 'standard-webhooks':
      return isStandardWebhookVerified(settings, header, raw, nowSeconds);
    case 'github':
      return isGithubVerified(settings.secrets, header, raw);
    case 'stripe':
      return isStripeVerified(settings, header, raw, nowSeconds);
    case 'hmac':
      return isHmacVerified(settings, header, raw);
  }
}

/** Standard Webhooks: v1 is base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`, key from whsec_<base64>. */
function isStandardWebhookVerified(
  settings: VerificationSettings,
  header: HeaderReader,
  raw: Buffer,
  nowSeconds: number,
): boolean {
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  if (!id || !timestamp || !signatures) return false;
  if (!isTimestampFresh(timestamp, settings.toleranceSeconds, nowSeconds)) return false;
  const offered = signatures
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => decodeSignature(entry.slice(3), 'base64'));
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), raw]);
  const expected = settings.secrets.map((secret) =>
    hmac('sha256', standardWebhookKey(secret), signed),
  );
  return isAnyMatch(offered, expected);
}

/** GitHub: X-Hub-Signature-256 is `sha256=` and the hex HMAC-SHA256 of the body. */
function isGithubVerified(secrets: readonly string[], header: HeaderReader, raw: Buffer): boolean {
  const value = header('x-hub-signature-256');
  if (!value?.startsWith('sha256=')) return false;
  const offered = [decodeSignature(value.slice(7), 'hex')];
  return isAnyMatch(
    offered,
    secrets.map((secret) => hmac('sha256', Buffer.from(secret), raw)),
  );
}

/** Stripe: Stripe-Signature `t=<seconds>,v1=<hex>[,v1=<hex>...]`, v1 over `${t}.${body}`. */
function isStripeVerified(
  settings: VerificationSettings,
  header: HeaderReader,
  raw: Buffer,
  nowSeconds: number,
): boolean {
  const value = header('stripe-signature');
  if (!value) return false;
  let timestamp: string | undefined;
  const offered: Array<Buffer | undefined> = [];
  for (const part of value.split(',')) {
    const [name, ...rest] = part.trim().split('=');
    const text = rest.join('=');
    if (name === 't') timestamp = text;
    else if (name === 'v1') offered.push(decodeSignature(text, 'hex'));
  }
  if (timestamp === undefined) return false;
  if (!isTimestampFresh(timestamp, settings.toleranceSeconds, nowSeconds)) return false;
  const signed = Buffer.concat([Buffer.from(`${timestamp}.`), raw]);
  return isAnyMatch(
    offered,
    settings.secrets.map((secret) => hmac('sha256', Buffer.from(secret), signed)),
  );
}

/** A partner's own HMAC header: `${prefix}${signature}` over the body. */
function isHmacVerified(
  settings: VerificationSettings,
  header: HeaderReader,
  raw: Buffer,
): boolean {
  const value = settings.header ? header(settings.header) : undefined;
  const prefix = settings.prefix ?? '';
  if (!value?.startsWith(prefix)) return false;
  const offered = [decodeSignature(value.slice(prefix.length).trim(), settings.encoding ?? 'hex')];
  const algorithm = settings.algorithm ?? 'sha256';
  return isAnyMatch(
    offered,
    settings.secrets.map((secret) => hmac(algorithm, Buffer.from(secret), raw)),
  );
}

function hmac(algorithm: string, key: Buffer, data: Buffer): Buffer {
  return createHmac(algorithm, key).update(data).digest();
}

/** As the reference implementation: the part after whsec_ is the base64 key. */
function standardWebhookKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The signature's bytes, or undefined when it is not well-formed: Buffer.from would otherwise
 * stop quietly at the first bad character and let a valid prefix plus garbage through.
 */
function decodeSignature(text: string, encoding: 'hex' | 'base64'): Buffer | undefined {
  const pattern = encoding === 'hex' ? HEX : BASE64;
  return text.length > 0 && pattern.test(text) ? Buffer.from(text, encoding) : undefined;
}

/** Compares every pair without stopping at the first match, so timing says nothing of which. */
function isAnyMatch(
  offered: ReadonlyArray<Buffer | undefined>,
  expected: readonly Buffer[],
): boolean {
  let matched = false;
  for (const signature of offered) {
    if (!signature) continue;
    for (const candidate of expected) {
      if (signature.length === candidate.length && timingSafeEqual(signature, candidate)) {
        matched = true;
      }
    }
  }
  return matched;
}

function isTimestampFresh(text: string, toleranceSeconds: number, nowSeconds: number): boolean {
  if (!/^\d{1,12}$/.test(text)) return false;
  return Math.abs(nowSeconds - Number(text)) <= toleranceSeconds;
}
