/**
 * Why a request body was refused before or while it was parsed. The message is written for the
 * SOAP client that sent the body (it becomes the fault's reason), so it names what was wrong
 * with the body and never anything inside the gateway.
 */
export type XmlGuardErrorKind =
  | 'too-large'
  | 'unsupported-encoding'
  | 'aborted'
  | 'malformed'
  | 'doctype'
  | 'processing-instruction'
  | 'too-deep'
  | 'too-many-elements'
  | 'too-many-children'
  | 'too-many-attributes'
  | 'text-too-large';

export class XmlGuardError extends Error {
  constructor(
    readonly kind: XmlGuardErrorKind,
    message: string,
    /** 1-based position in the decoded body, when the error is at a place in it. */
    readonly line?: number,
    readonly column?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'XmlGuardError';
  }
}
