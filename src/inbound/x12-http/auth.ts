import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { unresolvedRefs } from '../../partners/env-refs';
import type { LoadedPartner } from '../../partners/registry';
import { hashApiKey, presentedApiKey } from '../../http/api-keys';
import { Problem } from '../../http/problem';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks the credentials the partner's file asks for: one of its API keys, or its HTTP Basic
 * user and password. A partner file that configures neither accepts no X12 over HTTP.
 */
export function authenticateX12Sender(req: Request, partner: LoadedPartner): void {
  const auth = partner.config.x12?.auth;
  const key = presentedApiKey(req);
  if (key && auth?.apiKeys?.some((k) => sameSecret(hashApiKey(key), k.sha256))) return;

  const authorization = req.get('authorization') ?? '';
  if (auth?.basic && authorization.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = auth.basic.password;
    if (
      colon > 0 &&
      unresolvedRefs(password).length === 0 &&
      sameSecret(decoded.slice(0, colon), auth.basic.username) &&
      sameSecret(decoded.slice(colon + 1), password)
    ) {
      return;
    }
  }
  if (!auth?.apiKeys?.length && !auth?.basic) {
    throw new Problem(
      403,
      'forbidden',
      `Partner ${partner.config.id} is not set up to send X12 over HTTP.`,
    );
  }
  throw new Problem(
    401,
    'unauthorized',
    'Credentials missing or not valid for the interchange sender.',
  );
}
