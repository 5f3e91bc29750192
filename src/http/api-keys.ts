import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { ApiKeyGrant, PartnerRegistry } from '../partners/registry';
import { Problem } from './problem';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * The key from `Authorization: Bearer <key>` or `X-API-Key: <key>`. Reads the raw headers, so
 * a WebSocket upgrade request, which never passes through express, is read the same way.
 */
export function presentedApiKey(req: IncomingMessage): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim();
  const header = req.headers['x-api-key'];
  return (Array.isArray(header) ? header[0] : header)?.trim() || undefined;
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
  const [resource, access] = scope.split(':');
  // documents:write stands for every document resource's write scope, never for a read.
  const isDocumentWrite = access === 'write' && grant.scopes.includes('documents:write');
  if (!grant.scopes.includes(scope) && !isDocumentWrite) {
    throw new Problem(
      403,
      'forbidden',
      `The API key "${grant.keyId}" lacks the scope ${scope} (resource ${resource}).`,
    );
  }
  return grant;
}

function isLoopback(address: string | undefined): boolean {
  return (
    !!address &&
    (address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.'))
  );
}

function isAdminKey(presented: string | undefined, adminKey: string): boolean {
  const given = Buffer.from(presented ?? '');
  const expected = Buffer.from(adminKey);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The operator rule: with an admin key set, that key; without one, callers on the loopback
 * interface only. Undefined when the request passes, else the problem to answer.
 */
export function operatorRefusal(
  req: IncomingMessage,
  adminKey: string | undefined,
): Problem | undefined {
  if (adminKey) {
    if (isAdminKey(presentedApiKey(req), adminKey)) return undefined;
    return new Problem(
      401,
      'unauthorized',
      'The operator API needs the CROSSDOCK_ADMIN_KEY as a Bearer token.',
    );
  }
  if (isLoopback(req.socket.remoteAddress)) return undefined;
  return new Problem(
    403,
    'forbidden',
    'Set CROSSDOCK_ADMIN_KEY to use the operator API from another host.',
  );
}

/** The scopes a partner key needs to read: the event feeds and listing, or messages by id. */
export type ReadScope = 'events:read' | 'messages:read';

/** Who reads: the operator sees everything, a partner only what it sent or was sent. */
export type Reader =
  | { isOperator: true }
  | { isOperator: false; partnerId: string; keyId: string; scopes: readonly string[] };

export const OPERATOR_READER: Reader = { isOperator: true };

export interface ReadAccess {
  adminKey: string | undefined;
  partners: PartnerRegistry;
}

/**
 * Who a read request is from. The admin key makes it the operator; a partner's API key makes
 * it that partner, which needs the scope; any other request is judged by the operator rule
 * exactly as the operator API judges it. A partner key counts as the partner even from the
 * loopback interface, so an app on the same host sees what its key allows, not everything.
 */
export function identifyReader(req: IncomingMessage, access: ReadAccess, scope: ReadScope): Reader {
  const key = presentedApiKey(req);
  if (key !== undefined && access.adminKey && isAdminKey(key, access.adminKey)) {
    return OPERATOR_READER;
  }
  const grant = key === undefined ? undefined : access.partners.grantForKeyHash(hashApiKey(key));
  if (grant) {
    if (!grant.scopes.includes(scope)) {
      throw new Problem(403, 'forbidden', `The API key "${grant.keyId}" lacks the scope ${scope}.`);
    }
    return {
      isOperator: false,
      partnerId: grant.partner.config.id,
      keyId: grant.keyId,
      scopes: grant.scopes,
    };
  }
  const refusal = operatorRefusal(req, access.adminKey);
  if (refusal) {
    if (refusal.status === 401) {
      throw new Problem(
        401,
        'unauthorized',
        `Send the CROSSDOCK_ADMIN_KEY, or a partner API key with the scope ${scope}, as a Bearer token.`,
      );
    }
    throw refusal;
  }
  return OPERATOR_READER;
}

/** The partner a reader is limited to, or undefined for the operator. */
export function partnerOf(reader: Reader): string | undefined {
  return reader.isOperator ? undefined : reader.partnerId;
}

const readers = new WeakMap<IncomingMessage, Reader>();

/** Express guard for a read route: lets the operator and partner keys with `scope` through. */
export function requireReader(access: ReadAccess, scope: ReadScope): RequestHandler {
  return (req, _res, next) => {
    readers.set(req, identifyReader(req, access, scope));
    next();
  };
}

/** The reader `requireReader` found for this request. */
export function readerOf(req: IncomingMessage): Reader {
  const reader = readers.get(req);
  if (!reader) throw new Error('readerOf: the route has no requireReader guard');
  return reader;
}
