import path from 'node:path';
import { parseGuardedXml } from '../xml-guard';
import { loadServiceContracts } from './load';
import type { ContractOperation, MessageShape } from './types';

const FT = 'urn:crossdock:banking:funds-transfer:v1';
const fundsTransferWsdl = path.join(__dirname, '../../../wsdl/funds-transfer/FundsTransfer.wsdl');
const fixture = (name: string): string => path.join(__dirname, '../../../test/fixtures/wsdl', name);

async function operationsOf(file: string): Promise<Map<string, ContractOperation>> {
  const [contract] = await loadServiceContracts(file);
  return new Map(contract!.ports[0]!.operations.map((operation) => [operation.name, operation]));
}

function read(shape: MessageShape, xml: string): ReturnType<MessageShape['read']> {
  return shape.read(parseGuardedXml(Buffer.from(xml)));
}

function submitTransfer(
  overrides: Partial<Record<'amount' | 'debtor' | 'extra' | 'date', string>> = {},
): string {
  return `<ft:SubmitTransfer xmlns:ft="${FT}">
    <ft:EndToEndId>E2E-2024-0001</ft:EndToEndId>
    ${
      overrides.debtor ??
      `<ft:Debtor>
      <ft:Name>ACME Corp</ft:Name>
      <ft:Account><ft:IbanAccount><ft:Iban>DE89370400440532013000</ft:Iban><ft:Bic>COBADEFFXXX</ft:Bic></ft:IbanAccount></ft:Account>
    </ft:Debtor>`
    }
    ${overrides.extra ?? ''}
    <ft:Creditor>
      <ft:Name>Widgets Ltd</ft:Name>
      <ft:Account><ft:DomesticAccount><ft:AccountNumber>000123456789</ft:AccountNumber><ft:RoutingNumber>021000021</ft:RoutingNumber></ft:DomesticAccount></ft:Account>
      <ft:Address><ft:Line>1 Main St</ft:Line><ft:Line>Suite 200</ft:Line><ft:City>Springfield</ft:City><ft:Country>US</ft:Country></ft:Address>
    </ft:Creditor>
    <ft:Amount Currency="EUR">${overrides.amount ?? '1234567890123456.78'}</ft:Amount>
    <ft:RequestedExecutionDate>${overrides.date ?? '2024-02-29'}</ft:RequestedExecutionDate>
    <ft:RemittanceInformation><ft:Unstructured>Invoice 42</ft:Unstructured></ft:RemittanceInformation>
  </ft:SubmitTransfer>`;
}

describe('read: FundsTransfer (document/literal wrapped over wsdl:import, xsd:import and xsd:include)', () => {
  let submit: MessageShape;
  let status: MessageShape;
  beforeAll(async () => {
    const operations = await operationsOf(fundsTransferWsdl);
    submit = operations.get('SubmitTransfer')!.input;
    status = operations.get('GetTransferStatus')!.input;
  });

  it('turns a valid SubmitTransfer into plain values, keeping the amount exact', () => {
    const result = read(submit, submitTransfer());
    expect(result).toEqual({
      ok: true,
      value: {
        EndToEndId: 'E2E-2024-0001',
        Debtor: {
          Name: 'ACME Corp',
          Account: { IbanAccount: { Iban: 'DE89370400440532013000', Bic: 'COBADEFFXXX' } },
        },
        Creditor: {
          Name: 'Widgets Ltd',
          Account: {
            DomesticAccount: { AccountNumber: '000123456789', RoutingNumber: '021000021' },
          },
          Address: { Line: ['1 Main St', 'Suite 200'], City: 'Springfield', Country: 'US' },
        },
        Amount: { value: '1234567890123456.78', Currency: 'EUR' },
        RequestedExecutionDate: '2024-02-29',
        RemittanceInformation: { Unstructured: ['Invoice 42'] },
      },
    });
  });

  it('collapses whitespace around a decimal but keeps its digits as written', () => {
    const result = read(submit, submitTransfer({ amount: '\n  0100.50 \n' }));
    expect(result.ok && (result.value.Amount as { value: string }).value).toBe('0100.50');
  });

  it('names the element and the rule for a decimal with too many digits', () => {
    expect(read(submit, submitTransfer({ amount: '12345678901234567890.1' }))).toEqual({
      ok: false,
      issues: [
        {
          path: 'SubmitTransfer/Amount',
          message: '12345678901234567890.1 has more than 18 digits',
        },
      ],
    });
  });

  it('refuses a negative amount, too many fraction digits and a non-number', () => {
    for (const [amount, message] of [
      ['-1', '-1 is less than the minimum 0'],
      ['1.123456', '1.123456 has more than 5 digits after the decimal point'],
      ['12abc', '"12abc" is not a valid xsd:decimal'],
    ]) {
      expect(read(submit, submitTransfer({ amount: amount! }))).toEqual({
        ok: false,
        issues: [{ path: 'SubmitTransfer/Amount', message }],
      });
    }
  });

  it('refuses a date that does not exist', () => {
    const result = read(submit, submitTransfer({ date: '2023-02-29' }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues[0]).toEqual({
      path: 'SubmitTransfer/RequestedExecutionDate',
      message: '"2023-02-29" is not a valid xsd:date (no such day)',
    });
  });

  it('reports a missing required element', () => {
    expect(read(submit, submitTransfer({ debtor: '' }))).toEqual({
      ok: false,
      issues: [{ path: 'SubmitTransfer', message: 'missing required element Debtor' }],
    });
  });

  it('reports a stray element once, naming what was expected', () => {
    const result = read(submit, submitTransfer({ extra: `<ft:Foo>1</ft:Foo>` }));
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: 'SubmitTransfer/Foo', message: 'unexpected element Foo (expected Creditor)' },
      ],
    });
  });

  it('reports pattern and choice violations deep in the tree with their path', () => {
    const result = read(
      submit,
      submitTransfer({
        debtor: `<ft:Debtor><ft:Name>ACME</ft:Name><ft:Account><ft:IbanAccount><ft:Iban>de89</ft:Iban></ft:IbanAccount></ft:Account></ft:Debtor>`,
      }),
    );
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          path: 'SubmitTransfer/Debtor/Account/IbanAccount/Iban',
          message: '"de89" does not match the pattern [A-Z]{2}[0-9]{2}[A-Z0-9]{11,30} of Iban',
        },
      ],
    });
    const empty = read(
      submit,
      submitTransfer({ debtor: `<ft:Debtor><ft:Name>ACME</ft:Name><ft:Account/></ft:Debtor>` }),
    );
    expect(!empty.ok && empty.issues).toEqual([
      {
        path: 'SubmitTransfer/Debtor/Account',
        message: 'missing one of IbanAccount, DomesticAccount',
      },
    ]);
  });

  it('says when children are in no namespace although the schema qualifies them', () => {
    const result = read(
      status,
      `<ft:GetTransferStatus xmlns:ft="${FT}"><TrackingId>t-1</TrackingId></ft:GetTransferStatus>`,
    );
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          path: 'GetTransferStatus/TrackingId',
          message: `TrackingId must be in namespace ${FT} (found no namespace)`,
        },
      ],
    });
  });

  it('refuses a body whose element is not the operation element', () => {
    const result = read(
      status,
      `<ft:CancelTransfer xmlns:ft="${FT}"><ft:TrackingId>t</ft:TrackingId></ft:CancelTransfer>`,
    );
    expect(!result.ok && result.issues[0]?.message).toBe(
      `expected element GetTransferStatus in namespace ${FT}, got CancelTransfer in namespace ${FT}`,
    );
  });

  it('stops after 20 issues', () => {
    const strays = Array.from({ length: 50 }, (_, index) => `<ft:Stray${index}/>`).join('');
    const result = read(
      status,
      `<ft:GetTransferStatus xmlns:ft="${FT}"><ft:TrackingId>t</ft:TrackingId>${strays}</ft:GetTransferStatus>`,
    );
    expect(!result.ok && result.issues.length).toBe(20);
  });
});

describe('read: schema features (Policy.wsdl)', () => {
  let quote: MessageShape;
  beforeAll(async () => {
    quote = (await operationsOf(fixture('schema-features/Policy.wsdl'))).get('Quote')!.input;
  });

  const P = 'urn:example:policy';
  const person = (tag: string, id: string, extra = ''): string =>
    `<p:${tag} id="${id}" p:createdBy="agent-7"><p:Name>Ann Lee</p:Name><p:Contact><Email>ann@example.com</Email></p:Contact><p:BirthDate>1980-05-01</p:BirthDate>${extra}</p:${tag}>`;
  const request = (body: string, attributes = ''): string =>
    `<p:QuoteRequest xmlns:p="${P}" xmlns:c="urn:example:common" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"${attributes}>${body}</p:QuoteRequest>`;
  const valid = (
    parts: Partial<
      Record<'options' | 'discount' | 'broker' | 'age' | 'limit' | 'tags' | 'choice', string>
    > = {},
  ): string =>
    request(
      `<p:PolicyNumber> P-123456 </p:PolicyNumber>
       ${person('Holder', 'h1', parts.age ?? '<p:Age>44</p:Age>')}
       ${parts.choice ?? `${person('Driver', 'd1')}<p:Vehicle><Vin>1HGCM82633A004352</Vin><Year>2019</Year></p:Vehicle>${person('Driver', 'd2')}`}
       ${parts.options ?? '<p:Options><p:Deductible currency="USD">250.00</p:Deductible><p:Roadside>true</p:Roadside></p:Options>'}
       ${parts.discount ?? '<p:Discount xsi:nil="true"/>'}
       ${parts.broker ?? '<p:Broker>Jones &amp; Co</p:Broker>'}
       <p:Coverage><p:Code>LIAB</p:Code><p:Limit>${parts.limit ?? '100000.00'}</p:Limit></p:Coverage>
       <p:Coverage><p:Code>COLL</p:Code><p:Limit>none</p:Limit></p:Coverage>
       ${parts.tags ?? '<p:Tags> fleet  priority </p:Tags>'}
       <p:Extension><Note lang="en">hello</Note><Note>again</Note><Meta><Key>k</Key></Meta></p:Extension>
       <p:StartDate>2024-07-01</p:StartDate>`,
      ' version="2"',
    );

  it('reads extension, all, a repeating choice, nil, group refs, lists, unions and anyType', () => {
    const result = read(quote, valid());
    const holder = {
      id: 'h1',
      createdBy: 'agent-7',
      Name: 'Ann Lee',
      Contact: { Email: 'ann@example.com' },
      BirthDate: '1980-05-01',
      Age: '44',
    };
    const driver = (id: string): Record<string, unknown> => ({
      id,
      createdBy: 'agent-7',
      Name: 'Ann Lee',
      Contact: { Email: 'ann@example.com' },
      BirthDate: '1980-05-01',
    });
    expect(result).toEqual({
      ok: true,
      value: {
        version: '2',
        PolicyNumber: 'P-123456',
        Holder: holder,
        Driver: [driver('d1'), driver('d2')],
        Vehicle: [{ Vin: '1HGCM82633A004352', Year: '2019' }],
        Options: { Deductible: { value: '250.00', currency: 'USD' }, Roadside: 'true' },
        Discount: null,
        Broker: 'Jones & Co',
        Coverage: [
          { Code: 'LIAB', Limit: '100000.00' },
          { Code: 'COLL', Limit: 'none' },
        ],
        Tags: 'fleet priority',
        Extension: { Note: [{ value: 'hello', lang: 'en' }, 'again'], Meta: { Key: 'k' } },
        StartDate: '2024-07-01',
      },
    });
  });

  it('checks int restrictions exactly and names the type', () => {
    const cases: [string, string][] = [
      ['<p:Age>12abc</p:Age>', '"12abc" is not a valid xsd:int'],
      ['<p:Age>17</p:Age>', '17 is less than the minimum 18'],
      ['<p:Age>100</p:Age>', '100 must be less than 100'],
      ['<p:Age>2147483648</p:Age>', '2147483648 is out of range for xsd:int (maximum 2147483647)'],
    ];
    for (const [age, message] of cases) {
      expect(read(quote, valid({ age }))).toEqual({
        ok: false,
        issues: [{ path: 'QuoteRequest/Holder/Age', message }],
      });
    }
  });

  it('checks a simpleContent restriction, an xsd:all missing member and a list item', () => {
    const result = read(
      quote,
      valid({
        options:
          '<p:Options><p:RentalCar>yes</p:RentalCar><p:Deductible currency="USD">1000.01</p:Deductible></p:Options>',
        tags: '<p:Tags>fleet 9lives</p:Tags>',
        limit: 'lots',
      }),
    );
    expect(!result.ok && result.issues).toEqual([
      { path: 'QuoteRequest/Options/RentalCar', message: '"yes" is not a valid xsd:boolean' },
      {
        path: 'QuoteRequest/Options/Deductible',
        message: '1000.01 is greater than the maximum 1000',
      },
      { path: 'QuoteRequest/Options', message: 'missing required element Roadside' },
      { path: 'QuoteRequest/Coverage[1]/Limit', message: '"lots" is not a valid LimitOrNone' },
      { path: 'QuoteRequest/Tags', message: '"9lives" is not a valid xsd:NCName' },
    ]);
  });

  it('refuses nil where the element is not nillable, and content inside a nil element', () => {
    const result = read(
      quote,
      valid({
        broker: '<p:Broker xsi:nil="true">x</p:Broker>',
        discount: '<p:Discount>5</p:Discount>',
      }),
    );
    expect(!result.ok && result.issues).toEqual([
      { path: 'QuoteRequest/Broker', message: 'a nil Broker must be empty' },
    ]);
    const notNillable = read(quote, valid({ choice: `<p:Vehicle xsi:nil="true"/>` }));
    expect(!notNillable.ok && notNillable.issues).toEqual([
      { path: 'QuoteRequest/Vehicle[1]', message: 'Vehicle may not be nil' },
    ]);
  });

  it('insists on the repeating choice occurring at least once', () => {
    const result = read(quote, valid({ choice: '' }));
    expect(!result.ok && result.issues).toEqual([
      { path: 'QuoteRequest', message: 'missing one of Driver, Vehicle' },
    ]);
  });

  it('requires declared attributes and refuses undeclared ones', () => {
    const result = read(
      quote,
      valid({
        options:
          '<p:Options><p:Roadside>1</p:Roadside><p:Deductible cur="USD">5</p:Deductible></p:Options>',
      }),
    );
    expect(!result.ok && result.issues).toEqual([
      { path: 'QuoteRequest/Options/Deductible/@cur', message: 'unexpected attribute cur' },
      { path: 'QuoteRequest/Options/Deductible', message: 'missing required attribute currency' },
    ]);
  });

  it('keeps local elements of an unqualified imported schema unqualified', () => {
    const result = read(
      quote,
      valid({ choice: `<p:Vehicle><c:Vin>1HGCM82633A004352</c:Vin><Year>2019</Year></p:Vehicle>` }),
    );
    expect(!result.ok && result.issues).toEqual([
      {
        path: 'QuoteRequest/Vehicle[1]/Vin',
        message: 'Vin must not be namespace-qualified (found namespace urn:example:common)',
      },
    ]);
  });
});

describe('read: rpc/literal and one-way operations', () => {
  it('reads an rpc wrapper with unqualified typed accessors', async () => {
    const postEntry = (await operationsOf(fixture('rpc-literal/Ledger.wsdl'))).get('PostEntry')!;
    const xml = `<r:PostEntry xmlns:r="urn:example:ledger:rpc"><journal>GL</journal><sequence>7</sequence><posting><account>4000</account><amount>-12.50</amount></posting></r:PostEntry>`;
    expect(read(postEntry.input, xml)).toEqual({
      ok: true,
      value: { journal: 'GL', sequence: '7', posting: { account: '4000', amount: '-12.50' } },
    });
    const bad = `<r:PostEntry xmlns:r="urn:example:ledger:rpc"><journal>GL</journal><sequence>x</sequence></r:PostEntry>`;
    expect(read(postEntry.input, bad)).toEqual({
      ok: false,
      issues: [
        { path: 'PostEntry/sequence', message: '"x" is not a valid xsd:int' },
        { path: 'PostEntry', message: 'missing required element posting' },
      ],
    });
  });

  it('reads a one-way message and an empty complex element', async () => {
    const operations = await operationsOf(fixture('one-way/Notifications.wsdl'));
    const notify = operations.get('NotifyStatusChanged')!;
    expect(notify.output).toBeUndefined();
    const xml = `<StatusChanged xmlns="urn:example:notifications"><Reference>r-1</Reference><Status>  executed  </Status><At>2024-05-01T10:00:00Z</At></StatusChanged>`;
    expect(read(notify.input, xml)).toEqual({
      ok: true,
      value: { Reference: 'r-1', Status: 'executed', At: '2024-05-01T10:00:00Z' },
    });
    expect(
      read(operations.get('Ping')!.input, '<Ping xmlns="urn:example:notifications"/>'),
    ).toEqual({ ok: true, value: {} });
    expect(
      read(operations.get('Ping')!.input, '<Ping xmlns="urn:example:notifications">hi</Ping>'),
    ).toEqual({
      ok: false,
      issues: [{ path: 'Ping', message: 'unexpected text "hi"' }],
    });
  });
});
