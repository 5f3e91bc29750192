import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentByResource, documentKinds, type DocumentKind } from './documents';
import { canonicalSchemas, validateDocument } from './validate';

/** Example documents are edited freely below to break them in one place at a time. */
type Json = Record<string, any>;

function readExample(resource: string): Json {
  return JSON.parse(readFileSync(join(__dirname, 'examples', `${resource}.json`), 'utf8')) as Json;
}

const decimalMessage = 'must be a decimal string like "12.50"';

describe('validateDocument', () => {
  it.each(documentKinds.map((descriptor) => [descriptor.resource, descriptor.kind]))(
    'accepts the %s example',
    (resource, kind) => {
      expect(validateDocument(kind as DocumentKind, readExample(resource))).toEqual([]);
    },
  );

  it('has an example for every document kind', () => {
    for (const descriptor of documentKinds) {
      expect(documentByResource(descriptor.resource)).toBe(descriptor);
      expect(() => readExample(descriptor.resource)).not.toThrow();
    }
  });

  it('points at a missing required property itself', () => {
    const po = readExample('purchase-orders');
    delete po.poNumber;
    delete po.lines[1].unitOfMeasure;
    expect(validateDocument('PurchaseOrder', po)).toEqual([
      { pointer: '/poNumber', keyword: 'required', message: 'is required' },
      { pointer: '/lines/1/unitOfMeasure', keyword: 'required', message: 'is required' },
    ]);
  });

  it('points at an unknown property and suggests extensions are the place for it', () => {
    const po = readExample('purchase-orders');
    po.lines[0].colour = 'red';
    po.lines[0].extensions = { colour: 'red' };
    expect(validateDocument('PurchaseOrder', po)).toEqual([
      {
        pointer: '/lines/0/colour',
        keyword: 'additionalProperties',
        message: 'is not a known property here',
      },
    ]);
  });

  it('explains malformed values precisely', () => {
    const po = readExample('purchase-orders');
    po.orderDate = '2024-02-30';
    po.currency = 'usd';
    po.parties[2].address.country = 'USA';
    po.lines[1].unitPrice.value = '18,40';
    po.lines[2].unitOfMeasure = 'each';
    po.lines[2].productIds = [];
    po.paymentTerms[0].netDays = 30.5;
    po.purpose = 'new';
    expect(validateDocument('PurchaseOrder', po)).toEqual([
      {
        pointer: '/purpose',
        keyword: 'enum',
        message: expect.stringMatching(/^must be one of "original", "cancellation"/),
      },
      { pointer: '/orderDate', keyword: 'format', message: 'must be a date like "2024-03-15"' },
      {
        pointer: '/currency',
        keyword: 'pattern',
        message: 'must be a 3-letter ISO 4217 currency code like "USD"',
      },
      {
        pointer: '/parties/2/address/country',
        keyword: 'pattern',
        message: 'must be a 2-letter ISO 3166-1 country code like "US"',
      },
      { pointer: '/paymentTerms/0/netDays', keyword: 'type', message: 'must be an integer' },
      { pointer: '/lines/1/unitPrice/value', keyword: 'pattern', message: decimalMessage },
      {
        pointer: '/lines/2/unitOfMeasure',
        keyword: 'pattern',
        message: 'must be a unit of measure code like "EA" or "KGM"',
      },
      { pointer: '/lines/2/productIds', keyword: 'minItems', message: 'must have at least 1 item' },
    ]);
  });

  it('rejects a document that is not an object', () => {
    expect(validateDocument('Invoice', [])).toEqual([
      { pointer: '', keyword: 'type', message: 'must be an object' },
    ]);
  });

  it('escapes pointer tokens as RFC 6901 says', () => {
    const transfer = readExample('funds-transfers');
    transfer['a/b~c'] = true;
    expect(validateDocument('FundsTransfer', transfer)).toEqual([
      {
        pointer: '/a~1b~0c',
        keyword: 'additionalProperties',
        message: 'is not a known property here',
      },
    ]);
  });

  it('requires an invoice total amount', () => {
    const invoice = readExample('invoices');
    delete invoice.totals.totalAmount;
    expect(validateDocument('Invoice', invoice)).toEqual([
      { pointer: '/totals/totalAmount', keyword: 'required', message: 'is required' },
    ]);
  });

  it('checks SSCC-18 marks on ship notice packs', () => {
    const notice = readExample('ship-notices');
    notice.orders[0].packs[1].sscc = '00812345000000102';
    expect(validateDocument('ShipNotice', notice)).toEqual([
      {
        pointer: '/orders/0/packs/1/sscc',
        keyword: 'pattern',
        message: 'must be an SSCC of exactly 18 digits',
      },
    ]);
  });

  it('checks the codes of a functional acknowledgment', () => {
    const ack = readExample('functional-acknowledgments');
    ack.groupStatus = 'P';
    ack.transactionSets.push({
      transactionSetId: '850',
      controlNumber: '0002',
      status: 'Q',
      segmentErrors: [
        {
          segmentId: 'PO1',
          position: 0,
          code: '8',
          elementErrors: [{ position: 2, code: '6', badValue: 'I2' }, { position: 4 }],
        },
      ],
    });
    expect(validateDocument('FunctionalAcknowledgment', ack)).toEqual([
      {
        pointer: '/transactionSets/1/status',
        keyword: 'enum',
        message: 'must be one of "A", "E", "M", "R", "W", "X"',
      },
      {
        pointer: '/transactionSets/1/segmentErrors/0/position',
        keyword: 'minimum',
        message: 'must be >= 1',
      },
      {
        pointer: '/transactionSets/1/segmentErrors/0/elementErrors/1/code',
        keyword: 'required',
        message: 'is required',
      },
    ]);
  });

  it('reports each problem once', () => {
    const po = readExample('purchase-orders');
    po.lines[0].quantity = 48;
    const issues = validateDocument('PurchaseOrder', po);
    expect(issues).toHaveLength(1);
  });
});

describe('decimals', () => {
  const bankTransfer = JSON.stringify({
    endToEndId: 'E2E-1',
    debtor: { name: 'Treasury', account: { iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' } },
    creditor: { name: 'Supplier', account: { iban: 'GB29NWBK60161331926819' } },
    amount: { value: '12345678901234567.89', currency: 'EUR' },
    requestedExecutionDate: '2024-05-02',
  });

  it('keep a bank amount exactly as it came in', () => {
    const parsed: unknown = JSON.parse(bankTransfer);
    expect(validateDocument('FundsTransfer', parsed)).toEqual([]);
    expect(JSON.stringify(parsed)).toBe(bankTransfer);
    // The same amount as a JSON number would already have lost its cents.
    expect(String(12345678901234567.89)).not.toBe('12345678901234567.89');
  });

  it('are never JSON numbers', () => {
    const transfer = JSON.parse(bankTransfer) as Json;
    transfer.amount.value = 1132.14;
    expect(validateDocument('FundsTransfer', transfer)).toEqual([
      {
        pointer: '/amount/value',
        keyword: 'type',
        message: `${decimalMessage}, not a JSON number`,
      },
    ]);
  });

  it.each(['0', '7', '-0.5', '12.50', '12345678901234567890.12345678'])('accept %s', (value) => {
    const transfer = JSON.parse(bankTransfer) as Json;
    transfer.amount.value = value;
    expect(validateDocument('FundsTransfer', transfer)).toEqual([]);
  });

  it.each([
    '',
    '1e5',
    '1.',
    '.5',
    '+1',
    '1,000.00',
    ' 12',
    '12.123456789',
    '123456789012345678901',
    'NaN',
  ])('reject %j', (value) => {
    const transfer = JSON.parse(bankTransfer) as Json;
    transfer.amount.value = value;
    expect(validateDocument('FundsTransfer', transfer)).toEqual([
      { pointer: '/amount/value', keyword: 'pattern', message: decimalMessage },
    ]);
  });
});

describe('bank accounts', () => {
  function transferWithDebtorAccount(account: unknown): Json {
    const transfer = readExample('funds-transfers');
    transfer.debtor.account = account;
    return transfer;
  }

  it('accept an IBAN with or without a BIC', () => {
    for (const account of [
      { iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' },
      { iban: 'DE89370400440532013000' },
    ]) {
      expect(validateDocument('FundsTransfer', transferWithDebtorAccount(account))).toEqual([]);
    }
  });

  it('accept an account number with a routing number', () => {
    const account = { accountNumber: '004417820031', routingNumber: '071000013' };
    expect(validateDocument('FundsTransfer', transferWithDebtorAccount(account))).toEqual([]);
  });

  it('report the errors of the kind of account that was meant', () => {
    expect(
      validateDocument('FundsTransfer', transferWithDebtorAccount({ iban: 'DE89 3704' })),
    ).toEqual([
      {
        pointer: '/debtor/account/iban',
        keyword: 'pattern',
        message: 'must be an IBAN without spaces like "DE89370400440532013000"',
      },
    ]);
    expect(
      validateDocument(
        'FundsTransfer',
        transferWithDebtorAccount({ accountNumber: '004417820031' }),
      ),
    ).toEqual([
      { pointer: '/debtor/account/routingNumber', keyword: 'required', message: 'is required' },
    ]);
    expect(
      validateDocument(
        'FundsTransfer',
        transferWithDebtorAccount({ accountNumber: '004417820031', routingNumber: '7100013' }),
      ),
    ).toEqual([
      {
        pointer: '/debtor/account/routingNumber',
        keyword: 'pattern',
        message: 'must be a 9-digit ABA routing number',
      },
    ]);
  });

  it.each([
    [
      'both kinds at once',
      { iban: 'DE89370400440532013000', accountNumber: '1', routingNumber: '071000013' },
    ],
    ['neither kind', {}],
    ['only unknown fields', { sortCode: '601613' }],
  ])('say in one sentence what is wrong with %s', (_, account) => {
    expect(validateDocument('FundsTransfer', transferWithDebtorAccount(account))).toEqual([
      {
        pointer: '/debtor/account',
        keyword: 'oneOf',
        message:
          'must be exactly one of IbanAccount {iban, bic?} or DomesticAccount {accountNumber, routingNumber, accountType?}',
      },
    ]);
  });

  it('reject an account that is not an object with a type error only', () => {
    expect(
      validateDocument('FundsTransfer', transferWithDebtorAccount('DE89370400440532013000')),
    ).toEqual([{ pointer: '/debtor/account', keyword: 'type', message: 'must be an object' }]);
  });
});

describe('canonicalSchemas', () => {
  it('lists every schema by $id', () => {
    const schemas = canonicalSchemas();
    expect(Object.keys(schemas).sort()).toEqual(
      [
        'cloudevent',
        'common',
        'functional-acknowledgment',
        'funds-transfer',
        'invoice',
        'purchase-order',
        'purchase-order-acknowledgment',
        'ship-notice',
        'transfer-status',
      ]
        .map((name) => `https://schemas.crossdock.dev/canonical/${name}.json`)
        .sort(),
    );
  });

  it('holds every schema file, so the validator and the type generator see the same set', () => {
    const dir = join(__dirname, 'schemas');
    const ids = readdirSync(dir)
      .filter((name) => name.endsWith('.schema.json'))
      .map((name) => (JSON.parse(readFileSync(join(dir, name), 'utf8')) as Json).$id as string);
    expect(Object.keys(canonicalSchemas()).sort()).toEqual(ids.sort());
  });

  it('hands out copies, so a caller cannot change what is validated', () => {
    const id = documentKinds[0]?.schemaId ?? '';
    (canonicalSchemas()[id] as Json).required = [];
    expect(validateDocument('PurchaseOrder', {})).toContainEqual({
      pointer: '/poNumber',
      keyword: 'required',
      message: 'is required',
    });
  });

  it('closes every object except the free-form ones', () => {
    const open: string[] = [];
    const visit = (node: unknown, where: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const schema = node as Json;
      if (schema.type === 'object' && !schema.oneOf && schema.additionalProperties !== false) {
        open.push(where);
      }
      for (const [key, child] of Object.entries(schema)) {
        if (key !== 'enum' && key !== 'const') visit(child, `${where}/${key}`);
      }
    };
    for (const [id, schema] of Object.entries(canonicalSchemas())) visit(schema, id);
    expect(open.sort()).toEqual([
      'https://schemas.crossdock.dev/canonical/cloudevent.json/properties/data',
      'https://schemas.crossdock.dev/canonical/common.json/$defs/Extensions',
    ]);
  });
});
