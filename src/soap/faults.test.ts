import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createClientAsync } from 'soap';
import type { SoapVersion } from './contract/types';
import { readEnvelope, SOAP11_ENVELOPE_NS, SOAP12_ENVELOPE_NS } from './envelope';
import { CROSSDOCK_SOAP_NS, SoapFault, writeEnvelope, writeFault } from './faults';
import { WSSE_NS } from './ws-security';
import { parseGuardedXml } from './xml-guard';
import { childElement, type XmlElement } from './xml-tree';
import { XML_NS } from './xml-write';

const NASTY = `a < b & "c" 'd' ]]> é\r\n`;

/** The written fault read back by the hardened parser, which also proves it is well-formed. */
function readBack(version: SoapVersion, body: string) {
  const envelope = readEnvelope(parseGuardedXml(Buffer.from(body)));
  expect(envelope.version).toBe(version);
  const fault = envelope.body.children[0] as XmlElement;
  expect(fault).toMatchObject({ ns: envelope.body.ns, name: 'Fault' });
  return { envelope, fault, ns: envelope.body.ns };
}

function descend(
  element: XmlElement | undefined,
  ...steps: [string, string][]
): XmlElement | undefined {
  return steps.reduce<XmlElement | undefined>(
    (at, [ns, name]) => at && childElement(at, ns, name),
    element,
  );
}

describe('writeFault for SOAP 1.1', () => {
  it('writes a Client fault as HTTP 500 text/xml with a QName faultcode', () => {
    const written = writeFault('1.1', new SoapFault('Client', NASTY));
    expect(written.status).toBe(500);
    expect(written.contentType).toBe('text/xml; charset=utf-8');
    expect(written.headers).toEqual({});
    const { fault } = readBack('1.1', written.body);
    expect(fault.children.map((child) => [child.ns, child.name])).toEqual([
      ['', 'faultcode'],
      ['', 'faultstring'],
    ]);
    expect(childElement(fault, '', 'faultcode')?.text).toBe('soapenv:Client');
    expect(written.body).toContain(`xmlns:soapenv="${SOAP11_ENVELOPE_NS}"`);
    expect(childElement(fault, '', 'faultstring')?.text).toBe(NASTY);
  });

  it.each(['Server', 'MustUnderstand', 'VersionMismatch'] as const)(
    'writes %s as HTTP 500',
    (code) => {
      const written = writeFault('1.1', new SoapFault(code, 'why'));
      expect(written.status).toBe(500);
      expect(childElement(readBack('1.1', written.body).fault, '', 'faultcode')?.text).toBe(
        `soapenv:${code}`,
      );
    },
  );

  it('carries the detail and the correlation id', () => {
    const detail = `<cd:error xmlns:cd="${CROSSDOCK_SOAP_NS}" path="SubmitTransfer/Amount">not a decimal</cd:error>`;
    const written = writeFault(
      '1.1',
      new SoapFault('Server', 'The gateway failed.', { detail, correlationId: 'corr-<1>' }),
    );
    expect(written.headers).toEqual({ 'X-Correlation-Id': 'corr-<1>' });
    const detailElement = childElement(readBack('1.1', written.body).fault, '', 'detail');
    expect(detailElement?.children.map((child) => [child.ns, child.name, child.text])).toEqual([
      [CROSSDOCK_SOAP_NS, 'error', 'not a decimal'],
      [CROSSDOCK_SOAP_NS, 'correlationId', 'corr-<1>'],
    ]);
  });

  it('adds the Upgrade header to a VersionMismatch only when asked', () => {
    const fault = new SoapFault('VersionMismatch', 'This port speaks SOAP 1.1.');
    expect(readBack('1.1', writeFault('1.1', fault).body).envelope.header).toBeUndefined();
    const written = writeFault('1.1', fault, {
      upgradeHeader: true,
      supportedVersions: ['1.2', '1.1'],
    });
    const upgrade = readBack('1.1', written.body).envelope.header?.children[0];
    expect(upgrade).toMatchObject({ ns: SOAP12_ENVELOPE_NS, name: 'Upgrade' });
    expect(upgrade?.children.map((child) => child.attributes[0]?.value)).toEqual([
      'v1:Envelope',
      'v2:Envelope',
    ]);
    expect(written.body).toContain(`xmlns:v1="${SOAP12_ENVELOPE_NS}"`);
    expect(written.body).toContain(`xmlns:v2="${SOAP11_ENVELOPE_NS}"`);
    expect(
      readBack('1.1', writeFault('1.1', new SoapFault('Client', 'x'), { upgradeHeader: true }).body)
        .envelope.header,
    ).toBeUndefined();
  });
});

describe('writeFault for SOAP 1.2', () => {
  it('writes a Sender fault as HTTP 400 with Code, Subcode, Reason and Detail', () => {
    const written = writeFault(
      '1.2',
      new SoapFault('Client', NASTY, {
        subcode: { ns: WSSE_NS, name: 'FailedAuthentication' },
        detail: `<x:why xmlns:x="urn:x">because</x:why>`,
      }),
    );
    expect(written.status).toBe(400);
    expect(written.contentType).toBe('application/soap+xml; charset=utf-8');
    const { fault, ns } = readBack('1.2', written.body);
    expect(fault.children.map((child) => child.name)).toEqual(['Code', 'Reason', 'Detail']);
    expect(descend(fault, [ns, 'Code'], [ns, 'Value'])?.text).toBe('env:Sender');
    expect(descend(fault, [ns, 'Code'], [ns, 'Subcode'], [ns, 'Value'])?.text).toBe(
      'sc:FailedAuthentication',
    );
    expect(written.body).toContain(`xmlns:sc="${WSSE_NS}">sc:FailedAuthentication<`);
    const text = descend(fault, [ns, 'Reason'], [ns, 'Text']);
    expect(text?.text).toBe(NASTY);
    expect(text?.attributes).toEqual([{ ns: XML_NS, name: 'lang', value: 'en' }]);
    expect(descend(fault, [ns, 'Detail'], ['urn:x', 'why'])?.text).toBe('because');
  });

  it.each([
    ['Server', 'Receiver'],
    ['MustUnderstand', 'MustUnderstand'],
    ['VersionMismatch', 'VersionMismatch'],
  ] as const)('writes %s as env:%s with HTTP 500', (code, value) => {
    const written = writeFault('1.2', new SoapFault(code, 'why'));
    expect(written.status).toBe(500);
    const { fault, ns } = readBack('1.2', written.body);
    expect(descend(fault, [ns, 'Code'], [ns, 'Value'])?.text).toBe(`env:${value}`);
  });

  it('lists the supported envelopes in an Upgrade header on VersionMismatch (part 1 §5.4.7)', () => {
    const written = writeFault('1.2', new SoapFault('VersionMismatch', 'Wrong envelope.'));
    const upgrade = readBack('1.2', written.body).envelope.header?.children[0];
    expect(upgrade).toMatchObject({ ns: SOAP12_ENVELOPE_NS, name: 'Upgrade' });
    expect(upgrade?.children).toEqual([
      {
        ns: SOAP12_ENVELOPE_NS,
        name: 'SupportedEnvelope',
        attributes: [{ ns: '', name: 'qname', value: 'v1:Envelope' }],
        children: [],
        text: '',
      },
    ]);
    expect(written.body).toContain(`xmlns:v1="${SOAP12_ENVELOPE_NS}"`);
    expect(
      readBack(
        '1.2',
        writeFault('1.2', new SoapFault('VersionMismatch', 'x'), { upgradeHeader: false }).body,
      ).envelope.header,
    ).toBeUndefined();
  });

  it('lists the blocks not understood as NotUnderstood header blocks', () => {
    const written = writeFault(
      '1.2',
      new SoapFault('MustUnderstand', 'Header blocks not understood.', {
        notUnderstood: [{ ns: 'urn:a&b', name: 'Routing' }],
      }),
    );
    const blocks = readBack('1.2', written.body).envelope.header?.children;
    expect(blocks).toEqual([
      {
        ns: SOAP12_ENVELOPE_NS,
        name: 'NotUnderstood',
        attributes: [{ ns: '', name: 'qname', value: 'nu:Routing' }],
        children: [],
        text: '',
      },
    ]);
    expect(written.body).toContain('xmlns:nu="urn:a&amp;b"');
  });
});

describe('writeEnvelope', () => {
  it.each(['1.1', '1.2'] as const)('wraps a SOAP %s response body and header', (version) => {
    const written = writeEnvelope(
      version,
      '<m:PingResponse xmlns:m="urn:m">ok</m:PingResponse>',
      '<h:Trace xmlns:h="urn:h"/>',
    );
    const envelope = readEnvelope(parseGuardedXml(Buffer.from(written.body)));
    expect(envelope.version).toBe(version);
    expect(envelope.header?.children[0]).toMatchObject({ ns: 'urn:h', name: 'Trace' });
    expect(envelope.body.children[0]).toMatchObject({
      ns: 'urn:m',
      name: 'PingResponse',
      text: 'ok',
    });
    expect(written.contentType).toBe(
      version === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8',
    );
  });
});

describe('the soap package client reads what is written', () => {
  const WSDL = `<?xml version="1.0" encoding="UTF-8"?>
<definitions name="Ping" targetNamespace="urn:test:ping" xmlns="http://schemas.xmlsoap.org/wsdl/"
  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:tns="urn:test:ping" xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <types><xs:schema targetNamespace="urn:test:ping" elementFormDefault="qualified">
    <xs:element name="Ping"><xs:complexType><xs:sequence><xs:element name="Text" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="PingResponse"><xs:complexType><xs:sequence><xs:element name="Text" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
  </xs:schema></types>
  <message name="PingIn"><part name="body" element="tns:Ping"/></message>
  <message name="PingOut"><part name="body" element="tns:PingResponse"/></message>
  <portType name="PingPortType"><operation name="Ping"><input message="tns:PingIn"/><output message="tns:PingOut"/></operation></portType>
  <binding name="PingBinding" type="tns:PingPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Ping"><soap:operation soapAction="urn:test:ping/Ping"/>
      <input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>
  <service name="PingService"><port name="PingPort" binding="tns:PingBinding"><soap:address location="http://localhost/ping"/></port></service>
</definitions>`;

  let dir: string;
  let server: http.Server;
  let endpoint: string;
  let answer: () => { status: number; contentType: string; body: string };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'faults-wsdl-'));
    writeFileSync(path.join(dir, 'ping.wsdl'), WSDL);
    server = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const { status, contentType, body } = answer();
        response.writeHead(status, { 'content-type': contentType }).end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('as a normal response', async () => {
    answer = () => ({
      status: 200,
      ...writeEnvelope(
        '1.1',
        '<m:PingResponse xmlns:m="urn:test:ping"><m:Text>pong &amp; more</m:Text></m:PingResponse>',
      ),
    });
    const client = await createClientAsync(path.join(dir, 'ping.wsdl'), {}, endpoint);
    const [result] = await client.PingAsync({ Text: 'hi' });
    expect(result).toEqual({ Text: 'pong & more' });
  });

  it('as a SOAP 1.1 fault with its code and reason', async () => {
    answer = () =>
      writeFault('1.1', new SoapFault('Client', 'The amount <12abc> is not a decimal.'));
    const client = await createClientAsync(path.join(dir, 'ping.wsdl'), {}, endpoint);
    const error = await client.PingAsync({ Text: 'hi' }).then(
      () => undefined,
      (rejection: unknown) =>
        rejection as {
          root?: { Envelope?: { Body?: { Fault?: Record<string, unknown> } } };
          response?: { status: number };
        },
    );
    expect(error?.response?.status).toBe(500);
    expect(error?.root?.Envelope?.Body?.Fault).toMatchObject({
      faultcode: 'soapenv:Client',
      faultstring: 'The amount <12abc> is not a decimal.',
    });
  });
});
