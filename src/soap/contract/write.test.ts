import path from 'node:path';
import { parseGuardedXml } from '../xml-guard';
import { loadServiceContracts } from './load';
import type { ContractOperation } from './types';
import { ContractWriteError } from './write';

const FT = 'urn:crossdock:banking:funds-transfer:v1';
const fundsTransferWsdl = path.join(__dirname, '../../../wsdl/funds-transfer/FundsTransfer.wsdl');
const fixture = (name: string): string => path.join(__dirname, '../../../test/fixtures/wsdl', name);

async function operationsOf(file: string): Promise<Map<string, ContractOperation>> {
  const [contract] = await loadServiceContracts(file);
  return new Map(contract!.ports[0]!.operations.map((operation) => [operation.name, operation]));
}

function writeError(write: () => unknown): { path: string; reason: string } {
  try {
    write();
  } catch (error) {
    if (error instanceof ContractWriteError) return { path: error.path, reason: error.reason };
    throw error;
  }
  throw new Error('expected a ContractWriteError');
}

describe('write', () => {
  let funds: Map<string, ContractOperation>;
  let quote: ContractOperation;
  beforeAll(async () => {
    funds = await operationsOf(fundsTransferWsdl);
    quote = (await operationsOf(fixture('schema-features/Policy.wsdl'))).get('Quote')!;
  });

  it('writes children in schema order with one namespace declaration on the root', () => {
    const xml = funds.get('GetTransferStatus')!.output!.write({
      Amount: { Currency: 'EUR', value: '1234567890123456.78' },
      StatusTime: '2024-05-01T10:00:00Z',
      Status: 'accepted',
      EndToEndId: 'E2E <1> & "2"',
      TrackingId: 'trk-1',
    });
    expect(xml).toBe(
      `<ft:GetTransferStatusResponse xmlns:ft="${FT}"><ft:TrackingId>trk-1</ft:TrackingId>` +
        `<ft:EndToEndId>E2E &lt;1&gt; &amp; "2"</ft:EndToEndId><ft:Status>accepted</ft:Status>` +
        `<ft:StatusTime>2024-05-01T10:00:00Z</ft:StatusTime><ft:Amount Currency="EUR">1234567890123456.78</ft:Amount>` +
        `</ft:GetTransferStatusResponse>`,
    );
  });

  it('throws ContractWriteError naming the path of a missing or invalid value', () => {
    const response = funds.get('SubmitTransfer')!.output!;
    const valid = {
      TrackingId: 't',
      EndToEndId: 'e',
      Status: 'received',
      ReceivedAt: '2024-05-01T10:00:00Z',
    };
    expect(writeError(() => response.write({ ...valid, Status: 'lost' }))).toEqual({
      path: 'SubmitTransferResponse/Status',
      reason: '"lost" is not one of received, accepted, executed, rejected, cancelled',
    });
    const { EndToEndId: _omitted, ...missing } = valid;
    expect(writeError(() => response.write(missing))).toEqual({
      path: 'SubmitTransferResponse',
      reason: 'missing required element EndToEndId',
    });
    expect(writeError(() => response.write({ ...valid, Colour: 'red' }))).toEqual({
      path: 'SubmitTransferResponse/Colour',
      reason: 'unexpected field Colour',
    });
    expect(writeError(() => response.write({ ...valid, ReceivedAt: 1714557600000 }))).toEqual({
      path: 'SubmitTransferResponse/ReceivedAt',
      reason: 'expected a value for xsd:dateTime, got number 1714557600000',
    });
  });

  it('writes numbers, bigints and booleans exactly and decimal strings unchanged', () => {
    const output = quote.output!;
    expect(
      output.write({
        QuoteId: 18446744073709551615n,
        Premium: { value: 1e-7, currency: 'USD' },
        ValidUntil: new Date(Date.UTC(2024, 0, 2)),
      }),
    ).toBe(
      '<p:QuoteResponse xmlns:p="urn:example:policy"><p:QuoteId>18446744073709551615</p:QuoteId>' +
        '<p:Premium currency="USD">0.0000001</p:Premium><p:ValidUntil>2024-01-02T00:00:00.000Z</p:ValidUntil></p:QuoteResponse>',
    );
    const exact = output.write({
      QuoteId: '1',
      Premium: { value: '12345678901234567.89', currency: 'USD' },
      ValidUntil: '2024-01-02T00:00:00Z',
    });
    expect(exact).toContain('>12345678901234567.89<');
    const read = output.read(parseGuardedXml(Buffer.from(exact)));
    expect(read.ok && read.value.Premium).toEqual({
      value: '12345678901234567.89',
      currency: 'USD',
    });
    expect(
      writeError(() =>
        output.write({
          QuoteId: 18446744073709551616n,
          Premium: { value: '1', currency: 'USD' },
          ValidUntil: '2024-01-02T00:00:00Z',
        }),
      ),
    ).toEqual({
      path: 'QuoteResponse/QuoteId',
      reason:
        '18446744073709551616 is out of range for xsd:unsignedLong (maximum 18446744073709551615)',
    });
  });

  it('writes nil, qualified attributes, unqualified imported elements, lists and anyType', () => {
    const value = {
      version: 2,
      PolicyNumber: 'P-123456',
      Holder: {
        id: 'h1',
        createdBy: 'agent',
        Name: 'Ann',
        Contact: { Email: 'a@example.com' },
        BirthDate: '1980-05-01',
      },
      Vehicle: [{ Vin: '1HGCM82633A004352', Year: '2019' }],
      Driver: [{ id: 'd1', Name: 'Bo', BirthDate: '1990-01-01', Age: 34 }],
      Options: { Roadside: true, Deductible: { value: 250, currency: 'USD' } },
      Discount: null,
      Broker: null,
      Coverage: [{ Code: 'LIAB', Limit: 'none' }],
      Tags: ['fleet', 'priority'],
      Extension: { Note: ['a', 'b'] },
      StartDate: '2024-07-01',
    };
    const xml = quote.input.write(value);
    expect(xml).toBe(
      '<p:QuoteRequest xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:p="urn:example:policy" version="2">' +
        '<p:PolicyNumber>P-123456</p:PolicyNumber>' +
        '<p:Holder id="h1" p:createdBy="agent"><p:Name>Ann</p:Name><p:Contact><Email>a@example.com</Email></p:Contact><p:BirthDate>1980-05-01</p:BirthDate></p:Holder>' +
        '<p:Driver id="d1"><p:Name>Bo</p:Name><p:BirthDate>1990-01-01</p:BirthDate><p:Age>34</p:Age></p:Driver>' +
        '<p:Vehicle><Vin>1HGCM82633A004352</Vin><Year>2019</Year></p:Vehicle>' +
        '<p:Options><p:Roadside>true</p:Roadside><p:Deductible currency="USD">250</p:Deductible></p:Options>' +
        '<p:Discount xsi:nil="true"/><p:Broker xsi:nil="true"/>' +
        '<p:Coverage><p:Code>LIAB</p:Code><p:Limit>none</p:Limit></p:Coverage>' +
        '<p:Tags>fleet priority</p:Tags><p:Extension><Note>a</Note><Note>b</Note></p:Extension><p:StartDate>2024-07-01</p:StartDate></p:QuoteRequest>',
    );
    const read = quote.input.read(parseGuardedXml(Buffer.from(xml)));
    expect(read).toEqual({
      ok: true,
      value: {
        ...value,
        version: '2',
        Driver: [{ id: 'd1', Name: 'Bo', BirthDate: '1990-01-01', Age: '34' }],
        Options: { Roadside: 'true', Deductible: { value: '250', currency: 'USD' } },
        Broker: null,
        Discount: null,
        Tags: 'fleet priority',
      },
    });
  });

  it('refuses values that break restrictions and nil where not allowed', () => {
    const base = {
      PolicyNumber: 'P-123456',
      Holder: { id: 'h1', Name: 'Ann', BirthDate: '1980-05-01' },
      Vehicle: [{ Vin: '1HGCM82633A004352', Year: '2019' }],
      Options: { Roadside: true, Deductible: { value: '250', currency: 'USD' } },
      Broker: 'b',
      Coverage: [{ Code: 'LIAB', Limit: '1' }],
      StartDate: '2024-07-01',
    };
    expect(() => quote.input.write(base)).not.toThrow();
    expect(
      writeError(() =>
        quote.input.write({
          ...base,
          Options: { Roadside: 'maybe', Deductible: { value: '1', currency: 'USD' } },
        }),
      ),
    ).toEqual({
      path: 'QuoteRequest/Options/Roadside',
      reason: '"maybe" is not a valid xsd:boolean',
    });
    expect(
      writeError(() => quote.input.write({ ...base, Holder: { ...base.Holder, Age: 17 } })),
    ).toEqual({
      path: 'QuoteRequest/Holder/Age',
      reason: '17 is less than the minimum 18',
    });
    expect(writeError(() => quote.input.write({ ...base, Discount: '100.001' }))).toEqual({
      path: 'QuoteRequest/Discount',
      reason: '100.001 is greater than the maximum 100',
    });
    expect(
      writeError(() =>
        quote.input.write({ ...base, Coverage: [1, 2, 3, 4].map(() => base.Coverage[0]) }),
      ),
    ).toEqual({
      path: 'QuoteRequest/Coverage',
      reason: 'too many Coverage values or out of place',
    });
    expect(writeError(() => quote.input.write({ ...base, Vehicle: [], Driver: [] }))).toEqual({
      path: 'QuoteRequest',
      reason: 'missing one of Driver, Vehicle',
    });
    expect(
      writeError(() =>
        quote.input.write({ ...base, Options: { Roadside: true, Deductible: { value: '1' } } }),
      ),
    ).toEqual({
      path: 'QuoteRequest/Options/Deductible',
      reason: 'missing required attribute currency',
    });
  });

  it('writes an rpc/literal wrapper in the soap:body namespace with unqualified accessors', async () => {
    const postEntry = (await operationsOf(fixture('rpc-literal/Ledger.wsdl'))).get('PostEntry')!;
    expect(postEntry.output!.write({ entryId: 9007199254740993n, balance: '-0.10' })).toBe(
      '<ns1:PostEntryResponse xmlns:ns1="urn:example:ledger:rpc"><entryId>9007199254740993</entryId><balance>-0.10</balance></ns1:PostEntryResponse>',
    );
  });

  it('round-trips: write(read(x)) is the canonical form of x', () => {
    const input = funds.get('SubmitTransfer')!.input;
    const canonical =
      `<ft:SubmitTransfer xmlns:ft="${FT}"><ft:EndToEndId>E2E-1</ft:EndToEndId>` +
      `<ft:Debtor><ft:Name>ACME</ft:Name><ft:Account><ft:IbanAccount><ft:Iban>DE89370400440532013000</ft:Iban></ft:IbanAccount></ft:Account></ft:Debtor>` +
      `<ft:Creditor><ft:Name>W</ft:Name><ft:Account><ft:DomesticAccount><ft:AccountNumber>1-2</ft:AccountNumber><ft:RoutingNumber>021000021</ft:RoutingNumber><ft:AccountType>savings</ft:AccountType></ft:DomesticAccount></ft:Account></ft:Creditor>` +
      `<ft:Amount Currency="USD">0.00001</ft:Amount><ft:RequestedExecutionDate>2024-03-01Z</ft:RequestedExecutionDate>` +
      `<ft:RemittanceInformation><ft:InvoiceReference><ft:Number>1</ft:Number></ft:InvoiceReference><ft:InvoiceReference><ft:Number>2</ft:Number><ft:Amount Currency="USD">5</ft:Amount></ft:InvoiceReference></ft:RemittanceInformation>` +
      `<ft:ChargeBearer>SHAR</ft:ChargeBearer></ft:SubmitTransfer>`;
    const scrambled = canonical
      .replace(/<ft:/g, '<x:')
      .replace(/<\/ft:/g, '</x:')
      .replace(`xmlns:ft=`, `xmlns:x=`)
      .replace('>E2E-1<', '>E2E-1<!-- c --><');
    const read = input.read(parseGuardedXml(Buffer.from(scrambled)));
    expect(read.ok).toBe(true);
    expect(input.write((read as { value: Record<string, unknown> }).value)).toBe(canonical);
  });
});
