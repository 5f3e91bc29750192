/** The SOAP envelope namespaces, which are also how a message says which SOAP version it is. */
import type { SoapVersion } from './contract/types';

export const SOAP11_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_ENVELOPE_NS = 'http://www.w3.org/2003/05/soap-envelope';

export function envelopeNamespace(version: SoapVersion): string {
  return version === '1.1' ? SOAP11_ENVELOPE_NS : SOAP12_ENVELOPE_NS;
}

export function versionOfEnvelopeNamespace(ns: string): SoapVersion | undefined {
  return ns === SOAP11_ENVELOPE_NS ? '1.1' : ns === SOAP12_ENVELOPE_NS ? '1.2' : undefined;
}
