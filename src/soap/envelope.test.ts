import {
  actionOfRequest,
  notUnderstoodHeaders,
  parseMediaType,
  readEnvelope,
  SOAP11_ACTOR_NEXT,
  SOAP11_ENVELOPE_NS,
  SOAP12_ENVELOPE_NS,
  SOAP12_ROLE_NEXT,
  SOAP12_ROLE_NONE,
  SOAP12_ROLE_ULTIMATE_RECEIVER,
  soapVersionOfContentType,
} from './envelope';
import { SoapFault, type SoapFaultCode } from './faults';
import { parseGuardedXml } from './xml-guard';

const read = (xml: string) => readEnvelope(parseGuardedXml(Buffer.from(xml)));

function faultOf(xml: string): SoapFault {
  try {
    read(xml);
  } catch (error) {
    if (error instanceof SoapFault) return error;
    throw error;
  }
  throw new Error('expected a SoapFault');
}

function expectFault(xml: string, code: SoapFaultCode, reason: string | RegExp): void {
  const fault = faultOf(xml);
  expect(fault.code).toBe(code);
  expect(fault.reason).toMatch(reason);
}

describe('readEnvelope', () => {
  it('reads a SOAP 1.1 envelope with a Header', () => {
    const envelope = read(
      `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Header><h:Trace xmlns:h="urn:h">1</h:Trace></s:Header>
       <s:Body><m:Ping xmlns:m="urn:m">hi</m:Ping></s:Body></s:Envelope>`,
    );
    expect(envelope.version).toBe('1.1');
    expect(envelope.header?.children[0]).toMatchObject({ ns: 'urn:h', name: 'Trace', text: '1' });
    expect(envelope.body.children[0]).toMatchObject({ ns: 'urn:m', name: 'Ping', text: 'hi' });
  });

  it('reads a SOAP 1.2 envelope without a Header, in the default namespace', () => {
    const envelope = read(`<Envelope xmlns="${SOAP12_ENVELOPE_NS}"><Body/></Envelope>`);
    expect(envelope).toEqual({
      version: '1.2',
      header: undefined,
      body: { ns: SOAP12_ENVELOPE_NS, name: 'Body', attributes: [], children: [], text: '' },
    });
  });

  it('answers an Envelope in another namespace with VersionMismatch', () => {
    expectFault(
      '<s:Envelope xmlns:s="urn:soap:2.0"><s:Body/></s:Envelope>',
      'VersionMismatch',
      /urn:soap:2\.0/,
    );
    expectFault('<Envelope><Body/></Envelope>', 'VersionMismatch', /neither SOAP 1\.1/);
  });

  it.each([
    [
      'a root that is not an Envelope',
      `<s:Body xmlns:s="${SOAP11_ENVELOPE_NS}"/>`,
      /root element is \{.*\}Body/,
    ],
    ['a plain XML document', '<order><id>1</id></order>', /root element is <order>/],
    [
      'no Body',
      `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Header/></s:Envelope>`,
      /has no Body/,
    ],
    ['an empty Envelope', `<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"/>`, /has no Body/],
    [
      'a Body of the other version',
      `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}" xmlns:t="${SOAP12_ENVELOPE_NS}"><t:Body/></s:Envelope>`,
      /optional Header and then the Body/,
    ],
    [
      'a Header after the Body',
      `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body/><s:Header/></s:Envelope>`,
      /\}Header after the Body/,
    ],
    [
      'an element after the Body',
      `<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"><s:Body/><x:Extra xmlns:x="urn:x"/></s:Envelope>`,
      /\{urn:x\}Extra after the Body/,
    ],
    [
      'two Headers',
      `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Header/><s:Header/><s:Body/></s:Envelope>`,
      /it holds \{.*\}Header/,
    ],
    [
      'text in the Envelope',
      `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}">oops<s:Body/></s:Envelope>`,
      /text outside/,
    ],
    [
      'text in the Body',
      `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}"><s:Body>12</s:Body></s:Envelope>`,
      /text outside/,
    ],
  ])('answers %s with a Client fault', (_what, xml, reason) => {
    expectFault(xml, 'Client', reason);
  });
});

describe('the version and action from HTTP', () => {
  it.each([
    ['text/xml', '1.1'],
    ['text/xml; charset=utf-8', '1.1'],
    ['TEXT/XML;charset="UTF-8"', '1.1'],
    ['application/soap+xml; charset=utf-8; action="urn:a/B"', '1.2'],
    ['application/soap+xml', '1.2'],
    ['application/xml', undefined],
    ['application/json', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('reads %s as SOAP %s', (contentType, version) => {
    expect(soapVersionOfContentType(contentType)).toBe(version);
  });

  it('reads SOAPAction for SOAP 1.1, quoted or not, empty allowed', () => {
    expect(actionOfRequest('1.1', { soapaction: '"urn:bank/Submit"' })).toBe('urn:bank/Submit');
    expect(actionOfRequest('1.1', { SOAPAction: 'urn:bank/Submit' })).toBe('urn:bank/Submit');
    expect(actionOfRequest('1.1', { soapaction: '""' })).toBe('');
    expect(actionOfRequest('1.1', { soapaction: ['"urn:first"', '"urn:second"'] })).toBe(
      'urn:first',
    );
    expect(
      actionOfRequest('1.1', { 'content-type': 'text/xml; action="urn:ignored"' }),
    ).toBeUndefined();
  });

  it("reads the Content-Type's action parameter for SOAP 1.2", () => {
    const action = (contentType: string) => actionOfRequest('1.2', { 'content-type': contentType });
    expect(action('application/soap+xml;charset=utf-8;action="urn:bank/Submit"')).toBe(
      'urn:bank/Submit',
    );
    expect(action('application/soap+xml; Action=urn:bank/Submit; charset=utf-8')).toBe(
      'urn:bank/Submit',
    );
    expect(action('application/soap+xml; action="urn:a;b \\"c\\""')).toBe('urn:a;b "c"');
    expect(action('application/soap+xml; charset=utf-8')).toBeUndefined();
    expect(actionOfRequest('1.2', { soapaction: '"urn:ignored"' })).toBeUndefined();
  });

  it('parses media types with parameters', () => {
    expect(parseMediaType('Text/XML ; Charset = "utf-8" ; q=1')).toEqual({
      type: 'text/xml',
      parameters: new Map([
        ['charset', 'utf-8'],
        ['q', '1'],
      ]),
    });
    expect(parseMediaType('not a type')).toBeUndefined();
  });
});

describe('notUnderstoodHeaders', () => {
  const understood = [{ ns: 'urn:known', name: 'Known' }];
  const header = (version: '1.1' | '1.2', blocks: string) => {
    const ns = version === '1.1' ? SOAP11_ENVELOPE_NS : SOAP12_ENVELOPE_NS;
    return read(
      `<s:Envelope xmlns:s="${ns}" xmlns:k="urn:known" xmlns:u="urn:unknown"><s:Header>${blocks}</s:Header><s:Body/></s:Envelope>`,
    ).header;
  };
  const names = (version: '1.1' | '1.2', blocks: string) =>
    notUnderstoodHeaders(header(version, blocks), understood, version).map((block) => block.name);

  it('lists SOAP 1.1 blocks with mustUnderstand="1" for us that are not understood', () => {
    expect(
      names(
        '1.1',
        `<k:Known s:mustUnderstand="1"/><u:A s:mustUnderstand="1"/><u:B s:mustUnderstand="0"/><u:C/>` +
          `<u:D s:mustUnderstand="1" s:actor="urn:someone-else"/><u:E s:mustUnderstand="1" s:actor="${SOAP11_ACTOR_NEXT}"/>` +
          `<u:F mustUnderstand="1"/><u:G s:mustUnderstand="true"/>`,
      ),
    ).toEqual(['A', 'E', 'G']);
  });

  it('honours SOAP 1.2 roles: next and ultimateReceiver are us, none is nobody', () => {
    expect(
      names(
        '1.2',
        `<k:Known s:mustUnderstand="true"/><u:A s:mustUnderstand="true"/><u:B s:mustUnderstand="false"/>` +
          `<u:C s:mustUnderstand="1" s:role="${SOAP12_ROLE_NEXT}"/><u:D s:mustUnderstand="true" s:role="${SOAP12_ROLE_NONE}"/>` +
          `<u:E s:mustUnderstand="true" s:role="${SOAP12_ROLE_ULTIMATE_RECEIVER}"/><u:F s:mustUnderstand="true" s:role="urn:other"/>` +
          `<u:G xmlns:old="${SOAP11_ENVELOPE_NS}" old:mustUnderstand="1"/>`,
      ),
    ).toEqual(['A', 'C', 'E']);
  });

  it('has nothing to say without a Header', () => {
    expect(notUnderstoodHeaders(undefined, understood, '1.1')).toEqual([]);
  });
});
