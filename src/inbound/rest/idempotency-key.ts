import { createHash } from 'node:crypto';
import { Problem } from '../../http/problem';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * The `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header): a Structured
 * Field string such as `"8e03978e-40d5-43e8-bc93-6894a57f9324"`. A bare value without the
 * quotes is taken as it is, as most clients send it that way. Absent: undefined; present but
 * empty, too long or malformed: a 400 problem.
 */
export function readIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  const key = trimmed.startsWith('"') ? parseStructuredString(trimmed) : trimmed;
  if (key.length === 0) throw invalidKey('is empty');
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw invalidKey(
      `is ${key.length} characters long; at most ${MAX_IDEMPOTENCY_KEY_LENGTH} are allowed`,
    );
  }
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) throw invalidKey('may hold printable ASCII characters only');
  }
  return key;
}

/** RFC 8941 §4.2.5: a quoted string whose only escapes are \" and \\. */
function parseStructuredString(text: string): string {
  let out = '';
  for (let i = 1; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\') {
      const next = text[++i];
      if (next !== '"' && next !== '\\') throw invalidKey('has an escape other than \\" or \\\\');
      out += next;
    } else if (char === '"') {
      if (i !== text.length - 1) throw invalidKey('has text after its closing quote');
      return out;
    } else {
      out += char;
    }
  }
  throw invalidKey('has no closing quote');
}

function invalidKey(reason: string): Problem {
  return new Problem(400, 'invalid-header', `The Idempotency-Key header ${reason}.`, {
    errors: [{ pointer: '#/headers/Idempotency-Key', detail: reason }],
  });
}

/**
 * What makes two requests "the same" for one key: the resource, the partner the document was
 * addressed to, and the body's bytes. The same body posted to another resource, or for another
 * partner, is a different request.
 */
export function requestFingerprint(request: {
  resource: string;
  recipientHeader: string | undefined;
  body: Buffer;
}): string {
  return createHash('sha256')
    .update(`POST /api/v1/${request.resource}\n${request.recipientHeader ?? ''}\n`)
    .update(request.body)
    .digest('hex');
}
