/**
 * How a failed SOAP call reads to a sender that may try again. A fault is the receiver's own
 * verdict: Client (1.1) or Sender (1.2) says the request itself is wrong, so sending it again
 * cannot help; Server or Receiver says the receiver failed, which may pass. Without a fault,
 * the HTTP status and the transport decide, as for any HTTP receiver.
 */
import { DeliveryError } from '../adapter';
import { isRetryableStatus, parseRetryAfter } from '../http-response';

export interface SoapFault {
  /** faultcode (1.1) or Code/Value (1.2) as sent, e.g. soap:Client, env:Sender. */
  code: string;
  /** The most specific subcode a 1.2 fault gives, e.g. AuthenticationFailure. */
  subcode?: string;
  /** faultstring (1.1) or Reason/Text (1.2). */
  text: string;
}

/**
 * Whether a fault code says the receiver may succeed later. The code's local name decides, and
 * for a 1.1 dotted code its first part (`Client.Authentication` is a Client fault). Codes
 * other than Server and Receiver, standard (VersionMismatch, MustUnderstand) or the
 * receiver's own, are answers about this request and are not retried.
 */
export function isRetryableFaultCode(code: string): boolean {
  const localName = code.slice(code.lastIndexOf(':') + 1).trim();
  const head = localName.split('.')[0]!;
  return head === 'Server' || head === 'Receiver';
}

/** The fault of a response envelope the `soap` package parsed, in either SOAP version. */
export function readFault(envelope: unknown): SoapFault | undefined {
  const fault = child(child(envelope, 'Body'), 'Fault');
  if (fault === undefined) return undefined;
  const code11 = textOf(child(fault, 'faultcode'));
  if (code11 !== undefined) {
    return { code: code11, text: textOf(child(fault, 'faultstring')) ?? '' };
  }
  const code = child(fault, 'Code');
  return {
    code: textOf(child(code, 'Value')) ?? 'unknown',
    subcode: deepestSubcode(child(code, 'Subcode')),
    text: textOf(child(child(fault, 'Reason'), 'Text')) ?? '',
  };
}

export interface FailedCall {
  /** What the `soap` client passed to the callback as its error. */
  error: unknown;
  /** Whether the call was cut off by the channel's timeout. */
  timedOut: boolean;
  timeoutMs: number;
}

/** Turns a failed call into a DeliveryError that says why and whether to try again. */
export function classifySoapFailure({ error, timedOut, timeoutMs }: FailedCall): DeliveryError {
  const response = responseOf(error);
  const statusCode = response?.status ?? null;
  const retryAfterMs = parseRetryAfter(headerOf(response, 'retry-after'));
  const fault = readFault(child(child(error, 'root'), 'Envelope'));
  if (fault) {
    const code = fault.subcode ? `${fault.code} (${fault.subcode})` : fault.code;
    return new DeliveryError(
      `receiver answered with SOAP fault ${code}: ${fault.text || '(no fault string)'}`,
      isRetryableFaultCode(fault.code),
      statusCode,
      retryAfterMs,
      { cause: error },
    );
  }
  if (timedOut) {
    return new DeliveryError(`no answer within ${timeoutMs} ms`, true, null, undefined, {
      cause: error,
    });
  }
  if (statusCode === null) {
    return new DeliveryError(`could not call: ${messageOf(error)}`, true, null, undefined, {
      cause: error,
    });
  }
  if (statusCode < 200 || statusCode >= 300) {
    return classifyUnexpectedStatus(statusCode, retryAfterMs, error);
  }
  // A 2xx whose body is not the operation's response: whether the receiver acted is unknown,
  // so an operator decides rather than a blind resend.
  return new DeliveryError(
    `receiver answered HTTP ${statusCode} with a body that is not a SOAP response: ${messageOf(error)}`,
    false,
    statusCode,
    undefined,
    { cause: error },
  );
}

/** An answer without a fault whose status is not a success (a redirect, a 4xx, a 5xx). */
export function classifyUnexpectedStatus(
  statusCode: number,
  retryAfterMs?: number,
  cause?: unknown,
): DeliveryError {
  if (statusCode >= 300 && statusCode < 400) {
    return new DeliveryError(
      `receiver answered HTTP ${statusCode} (a redirect, not followed for a SOAP call); set outbound.soap.endpoint to the service's address`,
      false,
      statusCode,
      undefined,
      { cause },
    );
  }
  return new DeliveryError(
    `receiver answered HTTP ${statusCode} without a SOAP fault`,
    isRetryableStatus(statusCode),
    statusCode,
    retryAfterMs,
    { cause },
  );
}

function responseOf(
  error: unknown,
): { status?: number; headers?: Record<string, unknown> } | undefined {
  const response = child(error, 'response');
  return typeof response === 'object' && response !== null
    ? (response as { status?: number; headers?: Record<string, unknown> })
    : undefined;
}

function headerOf(
  response: { headers?: Record<string, unknown> } | undefined,
  name: string,
): string | undefined {
  const value = response?.headers?.[name];
  return typeof value === 'string' ? value : undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message;
  }
  // The soap package throws a plain { Fault } object for XML it cannot parse.
  const fault = child(error, 'Fault');
  const text = textOf(child(fault, 'faultstring'));
  const detail = textOf(child(fault, 'detail'));
  if (text) return detail ? `${text}: ${detail.split('\n')[0]}` : text;
  return String(error);
}

function deepestSubcode(subcode: unknown): string | undefined {
  let found: string | undefined;
  for (let node = subcode; node !== undefined; node = child(node, 'Subcode')) {
    found = textOf(child(node, 'Value')) ?? found;
  }
  return found;
}

function child(node: unknown, name: string): unknown {
  return typeof node === 'object' && node !== null
    ? (node as Record<string, unknown>)[name]
    : undefined;
}

/** An element's text as the `soap` package gives it: a string, or `$value` beside attributes. */
function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  const value = child(node, '$value');
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}
