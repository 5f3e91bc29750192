/**
 * SOAP faults as values, and the HTTP answer each becomes: SOAP 1.1 (§4.4, and HTTP 500 per
 * §6.2) or SOAP 1.2 (part 1 §5.4, HTTP status per part 2 §7.5.1.2), with faultcodes as proper
 * QNames and every piece of text escaped. Also the envelope of a normal response.
 */
import type { QualifiedName, SoapVersion } from './contract/types';
import { SOAP12_ENVELOPE_NS, envelopeNamespace } from './namespaces';
import { escapeXmlAttribute, escapeXmlText } from './xml-write';

/** The SOAP 1.1 names; SOAP 1.2 writes Client as Sender and Server as Receiver. */
export type SoapFaultCode = 'VersionMismatch' | 'MustUnderstand' | 'Client' | 'Server';

/** Where Crossdock's own detail elements (correlation id, refusals) live. */
export const CROSSDOCK_SOAP_NS = 'urn:crossdock:soap:v1';

export interface SoapFaultOptions {
  /** SOAP 1.2 Subcode (e.g. wsse:FailedAuthentication); SOAP 1.1 has no place for it. */
  subcode?: QualifiedName;
  /** XML fragment(s) for the detail, with their own namespace declarations. */
  detail?: string;
  /** Written into the detail and as the X-Correlation-Id header, so support can find the log. */
  correlationId?: string;
  /** For a MustUnderstand fault: the header blocks, listed as SOAP 1.2 NotUnderstood headers. */
  notUnderstood?: QualifiedName[];
  cause?: unknown;
}

export class SoapFault extends Error {
  readonly subcode?: QualifiedName;
  readonly detail?: string;
  readonly correlationId?: string;
  readonly notUnderstood?: QualifiedName[];

  constructor(
    readonly code: SoapFaultCode,
    /** Human-readable, sent to the caller as faultstring / Reason. */
    readonly reason: string,
    options: SoapFaultOptions = {},
  ) {
    super(reason, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SoapFault';
    this.subcode = options.subcode;
    this.detail = options.detail;
    this.correlationId = options.correlationId;
    this.notUnderstood = options.notUnderstood;
  }
}

export interface WrittenSoapMessage {
  status: number;
  contentType: string;
  body: string;
  headers: Record<string, string>;
}

export interface WriteFaultOptions {
  /**
   * Add the SOAP 1.2 Upgrade header block listing the envelopes this endpoint takes (part 1
   * §5.4.7; appendix A allows it in a SOAP 1.1 VersionMismatch too). Default: on for a SOAP 1.2
   * VersionMismatch, off otherwise. Only a VersionMismatch fault carries it.
   */
  upgradeHeader?: boolean;
  /** The envelopes listed in Upgrade, in order of preference; default the fault's own version. */
  supportedVersions?: SoapVersion[];
}

const PREFIX: Record<SoapVersion, string> = { '1.1': 'soapenv', '1.2': 'env' };

export function contentTypeOf(version: SoapVersion): string {
  return version === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8';
}

export function writeFault(
  version: SoapVersion,
  fault: SoapFault,
  options: WriteFaultOptions = {},
): WrittenSoapMessage {
  const p = PREFIX[version];
  const headerBlocks: string[] = [];
  const upgrade = options.upgradeHeader ?? (version === '1.2' && fault.code === 'VersionMismatch');
  if (upgrade && fault.code === 'VersionMismatch')
    headerBlocks.push(upgradeBlock(options.supportedVersions ?? [version]));
  if (version === '1.2' && fault.code === 'MustUnderstand') {
    for (const block of fault.notUnderstood ?? [])
      headerBlocks.push(
        `<env:NotUnderstood qname="nu:${escapeXmlAttribute(block.name)}" xmlns:nu="${escapeXmlAttribute(block.ns)}"/>`,
      );
  }

  const detail = [fault.detail ?? '', correlationElement(fault.correlationId)].join('');
  const body =
    version === '1.1'
      ? `<${p}:Fault><faultcode>${p}:${fault.code}</faultcode>` +
        `<faultstring>${escapeXmlText(fault.reason)}</faultstring>` +
        (detail ? `<detail>${detail}</detail>` : '') +
        `</${p}:Fault>`
      : `<${p}:Fault><${p}:Code><${p}:Value>${p}:${soap12Code(fault.code)}</${p}:Value>` +
        (fault.subcode
          ? `<${p}:Subcode><${p}:Value xmlns:sc="${escapeXmlAttribute(fault.subcode.ns)}">sc:${escapeXmlText(fault.subcode.name)}</${p}:Value></${p}:Subcode>`
          : '') +
        `</${p}:Code><${p}:Reason><${p}:Text xml:lang="en">${escapeXmlText(fault.reason)}</${p}:Text></${p}:Reason>` +
        (detail ? `<${p}:Detail>${detail}</${p}:Detail>` : '') +
        `</${p}:Fault>`;

  const written = writeEnvelope(version, body, headerBlocks.join('') || undefined);
  return {
    // SOAP 1.1 §6.2 answers every fault with 500; SOAP 1.2 only blames the sender with 400.
    status: version === '1.2' && fault.code === 'Client' ? 400 : 500,
    contentType: written.contentType,
    body: written.body,
    headers: fault.correlationId ? { 'X-Correlation-Id': fault.correlationId } : {},
  };
}

/** A whole envelope around body content (and optional header blocks), with the XML declaration. */
export function writeEnvelope(
  version: SoapVersion,
  bodyXml: string,
  headerXml?: string,
): { contentType: string; body: string } {
  const p = PREFIX[version];
  const header = headerXml ? `<${p}:Header>${headerXml}</${p}:Header>` : '';
  return {
    contentType: contentTypeOf(version),
    body:
      `<?xml version="1.0" encoding="UTF-8"?>` +
      `<${p}:Envelope xmlns:${p}="${envelopeNamespace(version)}">${header}<${p}:Body>${bodyXml}</${p}:Body></${p}:Envelope>`,
  };
}

function soap12Code(code: SoapFaultCode): string {
  return code === 'Client' ? 'Sender' : code === 'Server' ? 'Receiver' : code;
}

function upgradeBlock(versions: SoapVersion[]): string {
  const supported = versions
    .map((version, index) => {
      const prefix = `v${index + 1}`;
      return `<upg:SupportedEnvelope qname="${prefix}:Envelope" xmlns:${prefix}="${envelopeNamespace(version)}"/>`;
    })
    .join('');
  return `<upg:Upgrade xmlns:upg="${SOAP12_ENVELOPE_NS}">${supported}</upg:Upgrade>`;
}

function correlationElement(correlationId: string | undefined): string {
  return correlationId === undefined
    ? ''
    : `<cd:correlationId xmlns:cd="${CROSSDOCK_SOAP_NS}">${escapeXmlText(correlationId)}</cd:correlationId>`;
}
