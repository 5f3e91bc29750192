import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseGuardedXml } from '../xml-guard';
import { loadServiceContracts } from './load';

const FT = 'urn:crossdock:banking:funds-transfer:v1';
const wsdlFolder = path.join(__dirname, '../../../wsdl/funds-transfer');
const fixture = (name: string): string => path.join(__dirname, '../../../test/fixtures/wsdl', name);

describe('loadServiceContracts', () => {
  it('compiles FundsTransfer: documents over wsdl:import, xsd:import and xsd:include, a 1.1 and a 1.2 port', async () => {
    const contracts = await loadServiceContracts(path.join(wsdlFolder, 'FundsTransfer.wsdl'));
    expect(contracts).toHaveLength(1);
    const [contract] = contracts;
    expect(contract!.name).toBe('FundsTransferService');
    expect(contract!.targetNamespace).toBe(FT);
    expect(contract!.documents).toEqual([
      {
        name: '',
        file: path.join(wsdlFolder, 'FundsTransfer.wsdl'),
        kind: 'wsdl',
        imports: [
          { location: 'FundsTransferInterface.wsdl', document: 'FundsTransferInterface.wsdl' },
        ],
      },
      {
        name: 'FundsTransferInterface.wsdl',
        file: path.join(wsdlFolder, 'FundsTransferInterface.wsdl'),
        kind: 'wsdl',
        imports: [{ location: 'FundsTransferMessages.xsd', document: 'FundsTransferMessages.xsd' }],
      },
      {
        name: 'FundsTransferMessages.xsd',
        file: path.join(wsdlFolder, 'FundsTransferMessages.xsd'),
        kind: 'xsd',
        imports: [{ location: 'BankingTypes.xsd', document: 'BankingTypes.xsd' }],
      },
      {
        name: 'BankingTypes.xsd',
        file: path.join(wsdlFolder, 'BankingTypes.xsd'),
        kind: 'xsd',
        imports: [],
      },
    ]);
    expect(
      contract!.ports.map(({ name, soapVersion, address, addressPath }) => ({
        name,
        soapVersion,
        address,
        addressPath,
      })),
    ).toEqual([
      {
        name: 'FundsTransferSoap11Port',
        soapVersion: '1.1',
        address: 'http://localhost/soap/funds-transfer',
        addressPath: '/soap/funds-transfer',
      },
      {
        name: 'FundsTransferSoap12Port',
        soapVersion: '1.2',
        address: 'http://localhost/soap/funds-transfer/soap12',
        addressPath: '/soap/funds-transfer/soap12',
      },
    ]);
    for (const port of contract!.ports) {
      expect(
        port.operations.map((operation) => [
          operation.name,
          operation.style,
          operation.soapAction,
          operation.input.element.name,
          operation.output?.element.name,
        ]),
      ).toEqual([
        [
          'SubmitTransfer',
          'document',
          `${FT}/SubmitTransfer`,
          'SubmitTransfer',
          'SubmitTransferResponse',
        ],
        [
          'GetTransferStatus',
          'document',
          `${FT}/GetTransferStatus`,
          'GetTransferStatus',
          'GetTransferStatusResponse',
        ],
        [
          'CancelTransfer',
          'document',
          `${FT}/CancelTransfer`,
          'CancelTransfer',
          'CancelTransferResponse',
        ],
      ]);
      expect(port.operations[0]!.faults).toEqual([
        {
          name: 'TransferFault',
          element: { ns: FT, name: 'TransferFault' },
          detail: expect.objectContaining({ element: { ns: FT, name: 'TransferFault' } }),
        },
      ]);
    }
  });

  it('compiles rpc/literal operations: wrapper in the soap:body namespace, named after the operation', async () => {
    const [contract] = await loadServiceContracts(fixture('rpc-literal/Ledger.wsdl'));
    const [postEntry, getBalance] = contract!.ports[0]!.operations;
    expect(postEntry).toMatchObject({
      name: 'PostEntry',
      style: 'rpc',
      soapAction: 'urn:example:ledger#PostEntry',
      faults: [],
    });
    expect(postEntry!.input.element).toEqual({ ns: 'urn:example:ledger:rpc', name: 'PostEntry' });
    expect(postEntry!.output!.element).toEqual({
      ns: 'urn:example:ledger:rpc',
      name: 'PostEntryResponse',
    });
    expect(getBalance!.soapAction).toBe('');
  });

  it("also reads an rpc request whose wrapper is in the WSDL's targetNamespace, as the soap package's client writes it", async () => {
    const [contract] = await loadServiceContracts(fixture('rpc-literal/Ledger.wsdl'));
    const postEntry = contract!.ports[0]!.operations[0]!;
    expect(postEntry.input.alsoAccepted).toEqual([{ ns: 'urn:example:ledger', name: 'PostEntry' }]);
    expect(postEntry.output!.alsoAccepted).toEqual([]);
    const accessors =
      '<journal>GL</journal><sequence>7</sequence><posting><account>4000</account><amount>1.10</amount></posting>';
    const readUnder = (ns: string) =>
      postEntry.input.read(
        parseGuardedXml(Buffer.from(`<r:PostEntry xmlns:r="${ns}">${accessors}</r:PostEntry>`)),
      );
    const expected = {
      ok: true,
      value: { journal: 'GL', sequence: '7', posting: { account: '4000', amount: '1.10' } },
    };
    expect(readUnder('urn:example:ledger:rpc')).toEqual(expected);
    expect(readUnder('urn:example:ledger')).toEqual(expected);
    expect(readUnder('urn:example:other').ok).toBe(false);
  });

  it('gives document-style messages no other names', async () => {
    const [contract] = await loadServiceContracts(path.join(wsdlFolder, 'FundsTransfer.wsdl'));
    for (const operation of contract!.ports[0]!.operations)
      expect(operation.input.alsoAccepted).toEqual([]);
  });

  it('keeps one-way operations without output and skips HTTP-binding ports', async () => {
    const [contract] = await loadServiceContracts(fixture('one-way/Notifications.wsdl'));
    expect(contract!.ports.map((port) => [port.name, port.soapVersion, port.addressPath])).toEqual([
      ['NotificationsSoapPort', '1.1', '/callbacks/notifications'],
      ['NotificationsSoap12Port', '1.2', '/callbacks/notifications12'],
    ]);
    const [notify, ping] = contract!.ports[0]!.operations;
    expect(notify!.name).toBe('NotifyStatusChanged');
    expect(notify!.output).toBeUndefined();
    const unavailable = { ns: 'urn:example:notifications', name: 'Unavailable' };
    expect(ping!.faults).toEqual([
      {
        name: 'Unavailable',
        element: unavailable,
        detail: expect.objectContaining({ element: unavailable }),
      },
    ]);
  });

  it('lists an imported schema of another namespace among the documents', async () => {
    const [contract] = await loadServiceContracts(fixture('schema-features/Policy.wsdl'));
    expect(contract!.documents.map((document) => [document.name, document.kind])).toEqual([
      ['', 'wsdl'],
      ['Common.xsd', 'xsd'],
    ]);
  });

  describe('refuses, at load, what it cannot serve', () => {
    let folder: string;
    beforeAll(async () => {
      folder = await mkdtemp(path.join(os.tmpdir(), 'crossdock-wsdl-'));
    });

    const wsdlWith = (
      types: string,
      part = '<wsdl:part name="p" element="t:Request"/>',
    ): string => `<?xml version="1.0"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t">
  <wsdl:types>${types}</wsdl:types>
  <wsdl:message name="Request">${part}</wsdl:message>
  <wsdl:portType name="P"><wsdl:operation name="Do"><wsdl:input message="t:Request"/></wsdl:operation></wsdl:portType>
  <wsdl:binding name="B" type="t:P">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Do"><soap:operation soapAction="do"/><wsdl:input><soap:body use="literal"/></wsdl:input></wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="S"><wsdl:port name="Port" binding="t:B"><soap:address location="http://localhost/s"/></wsdl:port></wsdl:service>
</wsdl:definitions>`;

    async function load(name: string, text: string): Promise<unknown> {
      const file = path.join(folder, name);
      await writeFile(file, text);
      return loadServiceContracts(file);
    }

    it('a missing imported file', async () => {
      await expect(
        load(
          'missing.wsdl',
          wsdlWith(
            '<xs:schema targetNamespace="urn:t"><xs:include schemaLocation="Nope.xsd"/></xs:schema>',
          ),
        ),
      ).rejects.toThrow(/cannot read .*Nope\.xsd/);
    });

    it('a remote import', async () => {
      await expect(
        load(
          'remote.wsdl',
          wsdlWith(
            '<xs:schema targetNamespace="urn:t"><xs:import namespace="urn:x" schemaLocation="https://example.com/x.xsd"/></xs:schema>',
          ),
        ),
      ).rejects.toThrow(/remote imports are not fetched/);
    });

    it('a part referring to an undeclared element', async () => {
      await expect(
        load('undeclared.wsdl', wsdlWith('<xs:schema targetNamespace="urn:t"/>')),
      ).rejects.toThrow(/undeclared element Request in namespace urn:t/);
    });

    it('a dangling type reference deep in the message', async () => {
      const types = `<xs:schema targetNamespace="urn:t" xmlns:t="urn:t"><xs:element name="Request"><xs:complexType><xs:sequence><xs:element name="A" type="t:Missing"/></xs:sequence></xs:complexType></xs:element></xs:schema>`;
      await expect(load('dangling.wsdl', wsdlWith(types))).rejects.toThrow(
        /no type Missing in namespace "urn:t"/,
      );
    });

    it('a pattern using character class subtraction', async () => {
      const types = `<xs:schema targetNamespace="urn:t"><xs:element name="Request"><xs:simpleType><xs:restriction base="xs:string"><xs:pattern value="[a-z-[aeiou]]+"/></xs:restriction></xs:simpleType></xs:element></xs:schema>`;
      await expect(load('subtraction.wsdl', wsdlWith(types))).rejects.toThrow(
        /character class subtraction is not supported/,
      );
    });
  });
});
