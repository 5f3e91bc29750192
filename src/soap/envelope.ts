/**
 * Reading the SOAP envelope around a request: its version, Header and Body, the HTTP-level
 * signs of the version and action, and the mustUnderstand rule. Anything out of shape is a
 * SoapFault the caller writes back in the endpoint's own version.
 */
import type { SoapVersion } from './contract/types';
import { SoapFault } from './faults';
import { SOAP11_ENVELOPE_NS, SOAP12_ENVELOPE_NS, versionOfEnvelopeNamespace } from './namespaces';
import type { XmlElement } from './xml-tree';

export {
  SOAP11_ENVELOPE_NS,
  SOAP12_ENVELOPE_NS,
  envelopeNamespace,
  versionOfEnvelopeNamespace,
} from './namespaces';

/** SOAP 1.1 §4.2.2: the actor meaning "the first SOAP application that processes the message". */
export const SOAP11_ACTOR_NEXT = 'http://schemas.xmlsoap.org/soap/actor/next';
/** SOAP 1.2 part 1 §2.2: the roles every node, no node and the final node play. */
export const SOAP12_ROLE_NEXT = 'http://www.w3.org/2003/05/soap-envelope/role/next';
export const SOAP12_ROLE_NONE = 'http://www.w3.org/2003/05/soap-envelope/role/none';
export const SOAP12_ROLE_ULTIMATE_RECEIVER =
  'http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver';

export interface Envelope {
  version: SoapVersion;
  header: XmlElement | undefined;
  body: XmlElement;
}

export function readEnvelope(root: XmlElement): Envelope {
  const version = versionOfEnvelopeNamespace(root.ns);
  if (root.name === 'Envelope' && version === undefined) {
    throw new SoapFault(
      'VersionMismatch',
      `The Envelope is in the namespace "${root.ns}", which is neither SOAP 1.1 (${SOAP11_ENVELOPE_NS}) nor SOAP 1.2 (${SOAP12_ENVELOPE_NS}).`,
    );
  }
  if (root.name !== 'Envelope' || version === undefined)
    throw new SoapFault(
      'Client',
      `The document is not a SOAP envelope: its root element is ${describe(root)}.`,
    );
  if (root.text.trim() !== '')
    throw new SoapFault('Client', 'The Envelope holds text outside its Header and Body.');

  const [first, second] = root.children;
  const header = first && first.ns === root.ns && first.name === 'Header' ? first : undefined;
  const body = header ? second : first;
  if (!body) throw new SoapFault('Client', 'The Envelope has no Body.');
  if (body.ns !== root.ns || body.name !== 'Body')
    throw new SoapFault(
      'Client',
      `The Envelope must hold an optional Header and then the Body; it holds ${describe(body)}.`,
    );
  const after = root.children[header ? 2 : 1];
  // WS-I Basic Profile R1011 (and SOAP 1.2 §5.1): nothing may follow the Body.
  if (after) throw new SoapFault('Client', `The Envelope holds ${describe(after)} after the Body.`);
  if (body.text.trim() !== '')
    throw new SoapFault('Client', 'The Body holds text outside its elements.');
  return { version, header, body };
}

/** The version a Content-Type names: text/xml is SOAP 1.1, application/soap+xml SOAP 1.2. */
export function soapVersionOfContentType(contentType: string | undefined): SoapVersion | undefined {
  const type = parseMediaType(contentType ?? '')?.type;
  return type === 'text/xml' ? '1.1' : type === 'application/soap+xml' ? '1.2' : undefined;
}

/**
 * The action the request names: SOAP 1.1 in the SOAPAction header (a quoted URI, '' allowed),
 * SOAP 1.2 in the Content-Type's action parameter (part 2 §7.1.4). undefined when absent.
 */
export function actionOfRequest(
  version: SoapVersion,
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  if (version === '1.1') {
    const raw = firstHeader(headers, 'soapaction')?.trim();
    if (raw === undefined) return undefined;
    return raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  }
  return parseMediaType(firstHeader(headers, 'content-type') ?? '')?.parameters.get('action');
}

export interface MediaType {
  /** type/subtype, lower case */
  type: string;
  /** parameter names lower case, values unquoted */
  parameters: Map<string, string>;
}

/** A media type with its parameters (RFC 9110 §8.3.1), quoted-string values unescaped. */
export function parseMediaType(value: string): MediaType | undefined {
  const semicolon = value.indexOf(';');
  const type = (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type)) return undefined;
  const parameters = new Map<string, string>();
  const parameter = /;\s*([A-Za-z0-9!#$&^_.+-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)\s*/y;
  parameter.lastIndex = semicolon < 0 ? value.length : semicolon;
  let match: RegExpExecArray | null;
  while ((match = parameter.exec(value)) !== null) {
    const [, name, raw] = match as unknown as [string, string, string];
    const unquoted = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    if (!parameters.has(name.toLowerCase())) parameters.set(name.toLowerCase(), unquoted);
    if (parameter.lastIndex >= value.length) break;
  }
  return { type, parameters };
}

/** Whether this header block is addressed to the receiver (actor in 1.1, role in 1.2). */
export function isTargetedAtUs(block: XmlElement, version: SoapVersion): boolean {
  if (version === '1.1') {
    const actor = envelopeAttribute(block, SOAP11_ENVELOPE_NS, 'actor');
    return actor === undefined || actor === SOAP11_ACTOR_NEXT;
  }
  const role = envelopeAttribute(block, SOAP12_ENVELOPE_NS, 'role');
  return role === undefined || role === SOAP12_ROLE_NEXT || role === SOAP12_ROLE_ULTIMATE_RECEIVER;
}

/**
 * Header blocks addressed to us with mustUnderstand on that are not in `understood`: each one
 * calls for a MustUnderstand fault (SOAP 1.1 §4.2.3, SOAP 1.2 part 1 §5.2.3). A block for
 * another actor or role, or for role none, is not ours to understand.
 */
export function notUnderstoodHeaders(
  header: XmlElement | undefined,
  understood: { ns: string; name: string }[],
  version: SoapVersion,
): XmlElement[] {
  if (!header) return [];
  const ns = version === '1.1' ? SOAP11_ENVELOPE_NS : SOAP12_ENVELOPE_NS;
  return header.children.filter((block) => {
    const mustUnderstand = envelopeAttribute(block, ns, 'mustUnderstand');
    if (mustUnderstand !== '1' && mustUnderstand !== 'true') return false;
    if (!isTargetedAtUs(block, version)) return false;
    return !understood.some((known) => known.ns === block.ns && known.name === block.name);
  });
}

function envelopeAttribute(block: XmlElement, ns: string, name: string): string | undefined {
  return block.attributes.find((a) => a.ns === ns && a.name === name)?.value.trim();
}

function firstHeader(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value =
    headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

function describe(element: XmlElement): string {
  return element.ns === '' ? `<${element.name}>` : `{${element.ns}}${element.name}`;
}
