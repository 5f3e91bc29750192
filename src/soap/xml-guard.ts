/**
 * Everything that happens to a SOAP request body before the rest of the SOAP layer reads it:
 * the size limit (after Content-Encoding), the UTF-8 check, and a strict parse that refuses
 * DTDs, entity declarations and processing instructions and enforces depth, element, child,
 * attribute and text limits while it reads. What comes out is an XmlElement with namespaces
 * resolved and every value a string.
 */
import { XmlGuardError } from './xml-guard-error';
import { XmlDocumentReader, type XmlLimits } from './xml-reader';
import type { XmlElement } from './xml-tree';

export { XmlGuardError, type XmlGuardErrorKind } from './xml-guard-error';
export type { XmlLimits } from './xml-reader';
export { readLimitedBody, type BodyLimitOptions } from './request-body';

/**
 * Generous for any SOAP message a bank or insurer sends (a deep one nests about 15 levels),
 * small enough that a hostile document is refused after a few milliseconds.
 */
export const DEFAULT_XML_LIMITS: Readonly<Required<XmlLimits>> = Object.freeze({
  maxDepth: 64,
  maxElements: 100_000,
  maxChildren: 20_000,
  maxAttributes: 64,
  maxTextBytes: 1024 * 1024,
});

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Parses a request body under the limits; throws XmlGuardError for anything refused. */
export function parseGuardedXml(bytes: Buffer, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  return new XmlDocumentReader(decodeBody(bytes), limits).read();
}

/** UTF-8, with or without a byte order mark; anything else is refused rather than guessed. */
function decodeBody(bytes: Buffer): string {
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe))
    throw new XmlGuardError('unsupported-encoding', 'the body is UTF-16; only UTF-8 is accepted');
  try {
    // The decoder drops a UTF-8 byte order mark itself.
    return utf8.decode(bytes);
  } catch (error) {
    throw new XmlGuardError('malformed', 'the body is not valid UTF-8', undefined, undefined, {
      cause: error,
    });
  }
}
