/**
 * SOAP calls as the integration tests make them by hand (for what no polite client sends):
 * an envelope in either version, a POST with the version's content type and action, and a
 * look at one element's text in the answer.
 */
import { buildUsernameTokenHeader } from '../../src/soap/ws-security';

export type SoapVersion = '1.1' | '1.2';
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';

export interface SoapAnswer {
  status: number;
  contentType: string;
  text: string;
}

/** A fresh WS-Security UsernameToken header with a password digest. */
export function digestToken(username: string, password: string, now = new Date()): string {
  return buildUsernameTokenHeader({ username, password, passwordType: 'PasswordDigest', now });
}

export function soapEnvelope(body: string, version: SoapVersion, header: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="${version === '1.2' ? SOAP12_NS : SOAP11_NS}"><soapenv:Header>${header}</soapenv:Header><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
}

/** POSTs a body as SOAP 1.1 (text/xml + SOAPAction) or 1.2 (application/soap+xml; action=). */
export async function postSoap(
  url: string,
  body: string | Buffer,
  options: { version: SoapVersion; action: string; headers?: Record<string, string> },
): Promise<SoapAnswer> {
  const headers: Record<string, string> =
    options.version === '1.1'
      ? { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${options.action}"` }
      : { 'content-type': `application/soap+xml; charset=utf-8; action="${options.action}"` };
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...headers, ...options.headers },
    body,
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

/** The text of the first element with this local name, whatever its prefix. */
export function xmlText(xml: string, element: string): string | undefined {
  return new RegExp(`<(?:[\\w-]+:)?${element}\\b[^>]*>([^<]*)</`).exec(xml)?.[1];
}
