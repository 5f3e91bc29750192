import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { ApiKeyGrant, PartnerRegistry } from '../partners/registry';
import { Problem } from './problem';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The key from `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedApiKey(req: Request): string | undefined {
  const authorization = req.get('authorization');
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim();
  return req.get('x-api-key')?.trim() || undefined;
}

/**
 * The partner a request speaks for. Keys are looked up by their SHA-256, so the registry
 * holds no usable key and the comparison leaks nothing about near misses.
 */
export function authenticatePartner(
  req: Request,
  partners: PartnerRegistry,
  scope: string,
): ApiKeyGrant {
  const key = presentedApiKey(req);
  if (!key)
    throw new Problem(
      401,
      'unauthorized',
      'Send an API key as "Authorization: Bearer <key>" or "X-API-Key".',
    );
  const grant = partners.grantForKeyHash(hashApiKey(key));
  if (!grant) throw new Problem(401, 'unauthorized', 'The API key is not valid.');
  const [resource] = scope.split(':');
  if (!grant.scopes.includes(scope) && !grant.scopes.includes('documents:write')) {
    throw new Problem(
      403,
      'forbidden',
      `The API key "${grant.keyId}" lacks the scope ${scope} (resource ${resource}).`,
    );
  }
  return grant;
}
