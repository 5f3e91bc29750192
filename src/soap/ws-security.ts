/**
 * WS-Security 1.0 UsernameToken (OASIS Username Token Profile 1.0) on the receiving side, and
 * HTTP Basic as the alternative some partners use. A verdict's reason is for the log only: the
 * caller answers every refusal alike, and the checks run the same way for an unknown user as
 * for a wrong password, so neither the answer nor its timing tells them apart.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { envelopeNamespace, isTargetedAtUs } from './envelope';
import type { SoapVersion } from './contract/types';
import type { NonceRegistry } from './nonce-registry';
import { childElement, type XmlElement } from './xml-tree';
import { escapeXmlText } from './xml-write';

export const WSSE_NS =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const WSU_NS =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const TOKEN_PROFILE =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0';
export const PASSWORD_TEXT_URI = `${TOKEN_PROFILE}#PasswordText`;
export const PASSWORD_DIGEST_URI = `${TOKEN_PROFILE}#PasswordDigest`;
export const BASE64_BINARY_URI =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

export type PasswordType = 'PasswordText' | 'PasswordDigest';

export interface SecurityUser {
  username: string;
  password: string;
}

export interface SecurityPolicy {
  users: SecurityUser[];
  /** The password forms accepted; a token in another form is refused. */
  passwordTypes: PasswordType[];
  /** How old a token's Created may be, and how long its nonce is remembered. */
  freshnessSeconds: number;
  /** Allowance for the difference between the caller's clock and ours, both ways. */
  clockSkewSeconds: number;
}

export type SecurityVerdict = { ok: true; username: string } | { ok: false; reason: string };

/** Stands in for the password of an unknown user, so that the digest is computed all the same. */
const ABSENT_PASSWORD = randomBytes(32).toString('base64');

export async function verifySecurityHeader(
  header: XmlElement | undefined,
  policy: SecurityPolicy,
  nonces: NonceRegistry,
  now: Date,
): Promise<SecurityVerdict> {
  const security = securityHeaderOf(header);
  if (typeof security === 'string') return refused(security);
  const skewMs = policy.clockSkewSeconds * 1000;

  const timestampProblem = checkTimestamp(security, now, skewMs);
  if (timestampProblem) return refused(timestampProblem);

  const token = readUsernameToken(security);
  if (typeof token === 'string') return refused(token);
  if (!policy.passwordTypes.includes(token.passwordType))
    return refused(`${token.passwordType} is not accepted for this caller`);
  if (token.passwordType === 'PasswordDigest' && (!token.nonce || token.created === undefined))
    return refused('a PasswordDigest token needs a Nonce and a Created');
  if (token.created !== undefined) {
    const created = parseDateTime(token.created);
    if (created === undefined) return refused('the token Created is not an xsd:dateTime');
    if (created > now.getTime() + skewMs) return refused('the token Created is in the future');
    if (now.getTime() - created > policy.freshnessSeconds * 1000 + skewMs)
      return refused('the token Created is older than the freshness window');
  }

  // One path for every user, known or not: find without stopping early, compute, compare.
  let user: SecurityUser | undefined;
  for (const candidate of policy.users) {
    if (constantTimeEqual(candidate.username, token.username) && !user) user = candidate;
  }
  const password = user?.password ?? ABSENT_PASSWORD;
  const expected =
    token.passwordType === 'PasswordDigest'
      ? passwordDigestOf(token.nonce as Buffer, token.created as string, password)
      : password;
  const passwordMatches = constantTimeEqual(expected, token.password);
  if (!user || !passwordMatches) return refused('the username or password does not match');

  if (token.nonce) {
    // Remembered while a token carrying it could still pass the Created check, skew included.
    const ttlSeconds = policy.freshnessSeconds + 2 * policy.clockSkewSeconds;
    if (!(await nonces.claim(nonceKey(token.username, token.nonce), ttlSeconds)))
      return refused('the nonce was used before (replay)');
  }
  return { ok: true, username: token.username };
}

/** HTTP Basic (RFC 7617) against the same kind of user list, with the same single path. */
export function verifyBasicAuth(
  authorizationHeader: string | undefined,
  users: readonly SecurityUser[],
): SecurityVerdict {
  const match = /^Basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(authorizationHeader ?? '');
  if (!match) return refused('no HTTP Basic credentials');
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return refused('the HTTP Basic credentials have no ":"');
  const username = decoded.slice(0, colon);
  let user: SecurityUser | undefined;
  for (const candidate of users) {
    if (constantTimeEqual(candidate.username, username) && !user) user = candidate;
  }
  const passwordMatches = constantTimeEqual(
    user?.password ?? ABSENT_PASSWORD,
    decoded.slice(colon + 1),
  );
  if (!user || !passwordMatches) return refused('the username or password does not match');
  return { ok: true, username };
}

/** Base64(SHA-1(nonce bytes + Created + password)), Username Token Profile 1.0 §3.1. */
export function passwordDigestOf(nonce: Buffer, created: string, password: string): string {
  // One-shot hashes: every request makes several, and crypto.hash costs half a createHash.
  return hash('sha1', Buffer.concat([nonce, Buffer.from(created + password, 'utf8')]), 'base64');
}

export interface UsernameTokenOptions {
  username: string;
  password: string;
  passwordType: PasswordType;
  now: Date;
  /** Random 16 bytes unless given. */
  nonce?: Buffer;
  /** Adds a wsu:Timestamp expiring this many seconds after now. */
  timestampSeconds?: number;
  /** Marks the header mustUnderstand in this envelope version. */
  mustUnderstand?: SoapVersion;
}

/** A wsse:Security header block carrying a UsernameToken, with its namespace declarations. */
export function buildUsernameTokenHeader(options: UsernameTokenOptions): string {
  const nonce = options.nonce ?? randomBytes(16);
  const created = options.now.toISOString();
  const password =
    options.passwordType === 'PasswordDigest'
      ? passwordDigestOf(nonce, created, options.password)
      : options.password;
  const envelopeNs = options.mustUnderstand ? envelopeNamespace(options.mustUnderstand) : undefined;
  const mustUnderstand = envelopeNs
    ? ` xmlns:soapenv="${envelopeNs}" soapenv:mustUnderstand="${options.mustUnderstand === '1.2' ? 'true' : '1'}"`
    : '';
  const timestamp =
    options.timestampSeconds === undefined
      ? ''
      : `<wsu:Timestamp><wsu:Created>${created}</wsu:Created><wsu:Expires>${new Date(
          options.now.getTime() + options.timestampSeconds * 1000,
        ).toISOString()}</wsu:Expires></wsu:Timestamp>`;
  return (
    `<wsse:Security xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}"${mustUnderstand}>${timestamp}` +
    `<wsse:UsernameToken><wsse:Username>${escapeXmlText(options.username)}</wsse:Username>` +
    `<wsse:Password Type="${options.passwordType === 'PasswordDigest' ? PASSWORD_DIGEST_URI : PASSWORD_TEXT_URI}">` +
    `${escapeXmlText(password)}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${BASE64_BINARY_URI}">${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}

interface UsernameToken {
  username: string;
  password: string;
  passwordType: PasswordType;
  nonce: Buffer | undefined;
  created: string | undefined;
}

/** The one wsse:Security block meant for this receiver (no actor or role, or next / ultimate receiver). */
function securityHeaderOf(header: XmlElement | undefined): XmlElement | string {
  // The envelope version is not known here; each version's attribute lives in its own namespace.
  const blocks = (header?.children ?? []).filter(
    (block) =>
      block.ns === WSSE_NS &&
      block.name === 'Security' &&
      isTargetedAtUs(block, '1.1') &&
      isTargetedAtUs(block, '1.2'),
  );
  if (blocks.length === 0) return 'no wsse:Security header';
  if (blocks.length > 1) return 'more than one wsse:Security header for this receiver';
  return blocks[0] as XmlElement;
}

/** WS-Security 1.0 §10: at most one Timestamp; refused when expired or created in the future. */
function checkTimestamp(security: XmlElement, now: Date, skewMs: number): string | undefined {
  const timestamps = security.children.filter(
    (child) => child.ns === WSU_NS && child.name === 'Timestamp',
  );
  if (timestamps.length === 0) return undefined;
  if (timestamps.length > 1) return 'more than one wsu:Timestamp';
  const timestamp = timestamps[0] as XmlElement;
  const createdText = childElement(timestamp, WSU_NS, 'Created')?.text.trim();
  const expiresText = childElement(timestamp, WSU_NS, 'Expires')?.text.trim();
  const created = createdText === undefined ? undefined : parseDateTime(createdText);
  const expires = expiresText === undefined ? undefined : parseDateTime(expiresText);
  if (
    (createdText !== undefined && created === undefined) ||
    (expiresText !== undefined && expires === undefined)
  )
    return 'the wsu:Timestamp holds a value that is not an xsd:dateTime';
  if (created !== undefined && created > now.getTime() + skewMs)
    return 'the wsu:Timestamp is created in the future';
  if (expires !== undefined && expires <= now.getTime() - skewMs)
    return 'the wsu:Timestamp has expired';
  if (created !== undefined && expires !== undefined && expires < created)
    return 'the wsu:Timestamp expires before it is created';
  return undefined;
}

function readUsernameToken(security: XmlElement): UsernameToken | string {
  const tokens = security.children.filter(
    (child) => child.ns === WSSE_NS && child.name === 'UsernameToken',
  );
  if (tokens.length !== 1)
    return tokens.length === 0 ? 'no wsse:UsernameToken' : 'more than one wsse:UsernameToken';
  const token = tokens[0] as XmlElement;
  const only = (ns: string, name: string): XmlElement | undefined | string => {
    const found = token.children.filter((child) => child.ns === ns && child.name === name);
    return found.length > 1 ? `more than one ${name} in the UsernameToken` : found[0];
  };
  const username = only(WSSE_NS, 'Username');
  const password = only(WSSE_NS, 'Password');
  const nonce = only(WSSE_NS, 'Nonce');
  const created = only(WSU_NS, 'Created');
  for (const problem of [username, password, nonce, created])
    if (typeof problem === 'string') return problem;
  if (!username || typeof username === 'string' || username.text.trim() === '')
    return 'the UsernameToken has no Username';
  if (!password || typeof password === 'string') return 'the UsernameToken has no Password';

  const typeUri =
    password.attributes.find((a) => a.ns === '' && a.name === 'Type')?.value.trim() ??
    PASSWORD_TEXT_URI;
  const passwordType =
    typeUri === PASSWORD_TEXT_URI
      ? 'PasswordText'
      : typeUri === PASSWORD_DIGEST_URI
        ? 'PasswordDigest'
        : undefined;
  if (!passwordType) return `the Password Type ${typeUri} is not known`;

  let nonceBytes: Buffer | undefined;
  if (nonce && typeof nonce !== 'string') {
    const encoding = nonce.attributes
      .find((a) => a.ns === '' && a.name === 'EncodingType')
      ?.value.trim();
    if (encoding !== undefined && encoding !== BASE64_BINARY_URI)
      return `the Nonce EncodingType ${encoding} is not supported`;
    nonceBytes = decodeBase64(nonce.text);
    if (!nonceBytes || nonceBytes.length === 0) return 'the Nonce is not Base64';
  }
  return {
    username: username.text.trim(),
    password: passwordType === 'PasswordDigest' ? password.text.trim() : password.text,
    passwordType,
    nonce: nonceBytes,
    created: created && typeof created !== 'string' ? created.text.trim() : undefined,
  };
}

function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/[ \t\r\n]/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}

const DATE_TIME =
  /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/;

/** An xsd:dateTime as epoch milliseconds; one without a zone is read as UTC, as the profile asks for UTC. */
export function parseDateTime(text: string): number | undefined {
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const millis = fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0;
  let time = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
    millis,
  );
  if (
    Number(month) < 1 ||
    Number(month) > 12 ||
    Number(day) < 1 ||
    Number(day) > 31 ||
    Number(hour) > 24 ||
    Number(minute) > 59 ||
    Number(second) > 60
  )
    return undefined;
  if (zone && zone !== 'Z') {
    const offsetMinutes = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6));
    time -= (zone.startsWith('-') ? -1 : 1) * offsetMinutes * 60_000;
  }
  return Number.isFinite(time) ? time : undefined;
}

/** Compares the SHA-256 of both, so neither the contents nor the lengths leak through timing. */
function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'));
}

/** The nonce's bytes, not its text, so two spellings of one nonce cannot both pass. */
function nonceKey(username: string, nonce: Buffer): string {
  return hash('sha256', Buffer.concat([Buffer.from(`${username}\0`, 'utf8'), nonce]), 'base64url');
}

function refused(reason: string): SecurityVerdict {
  return { ok: false, reason };
}
