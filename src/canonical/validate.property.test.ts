import fc from 'fast-check';
import { escapePointerToken } from './issues';
import type {
  AllowanceCharge,
  DateValue,
  DestinationQuantity,
  Identifier,
  Party,
  PurchaseOrder,
  PurchaseOrderLine,
} from './types.generated';
import { canonicalSchemas, validateDocument } from './validate';

const decimal = fc
  .tuple(
    fc.boolean(),
    fc.stringMatching(/^[0-9]{1,20}$/),
    fc.option(fc.stringMatching(/^[0-9]{1,8}$/), { nil: undefined }),
  )
  .map(
    ([negative, whole, fraction]) =>
      `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`,
  );
const code = fc.stringMatching(/^[A-Z0-9]{1,6}$/);
const text = fc.string({ minLength: 1, maxLength: 30 });
const unitOfMeasure = fc.constantFrom('EA', 'CA', 'PK', 'SET', 'LB', 'KGM');
const currency = fc.constantFrom('USD', 'EUR', 'GBP', 'CAD', 'JPY');
const calendarDate = fc
  .date({
    min: new Date('2000-01-01T00:00:00Z'),
    max: new Date('2099-12-31T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((date) => date.toISOString().slice(0, 10));

const identifier: fc.Arbitrary<Identifier> = fc.record({
  scheme: fc.constantFrom('UPC', 'GTIN', 'VendorPart', 'BuyerPart', 'SKU', 'DUNS', 'GLN'),
  value: fc.stringMatching(/^[0-9A-Z-]{1,20}$/),
});
const amount = fc.record({ value: decimal, currency }, { requiredKeys: ['value'] });
const dateValue: fc.Arbitrary<DateValue> = fc.record({
  qualifier: fc.constantFrom('requestedDelivery', 'cancelAfter', '002', '010'),
  date: calendarDate,
});
const allowanceCharge: fc.Arbitrary<AllowanceCharge> = fc.record(
  {
    indicator: fc.constantFrom('allowance' as const, 'charge' as const),
    code,
    amount,
    percent: decimal,
    rate: decimal,
    quantity: decimal,
    description: text,
  },
  { requiredKeys: ['indicator'] },
);
const destinationQuantity: fc.Arbitrary<DestinationQuantity> = fc.record(
  { location: identifier, quantity: decimal, unitOfMeasure },
  { requiredKeys: ['location', 'quantity'] },
);
const party: fc.Arbitrary<Party> = fc.record(
  {
    role: fc.constantFrom(
      'buyer' as const,
      'seller' as const,
      'shipTo' as const,
      'billTo' as const,
    ),
    name: text,
    identifiers: fc.array(identifier, { maxLength: 2 }),
    address: fc.record(
      {
        lines: fc.array(text, { minLength: 1, maxLength: 2 }),
        city: text,
        country: fc.constantFrom('US', 'CA', 'DE'),
      },
      { requiredKeys: ['city'] },
    ),
  },
  { requiredKeys: ['role'] },
);

const line: fc.Arbitrary<PurchaseOrderLine> = fc.record(
  {
    lineNumber: fc.stringMatching(/^[0-9]{1,6}$/),
    quantity: decimal,
    unitOfMeasure,
    unitPrice: fc.record({ value: decimal, currency, basis: code }, { requiredKeys: ['value'] }),
    productIds: fc.array(identifier, { minLength: 1, maxLength: 3 }),
    descriptions: fc.array(fc.record({ text }), { maxLength: 2 }),
    packaging: fc.record(
      {
        pack: fc.integer({ min: 1, max: 144 }),
        size: decimal,
        unitOfMeasure,
        weight: fc.record({ value: decimal, unitOfMeasure }),
      },
      { requiredKeys: ['size'] },
    ),
    allowancesCharges: fc.array(allowanceCharge, { maxLength: 2 }),
    destinationQuantities: fc.array(destinationQuantity, { maxLength: 3 }),
    dates: fc.array(dateValue, { maxLength: 2 }),
  },
  { requiredKeys: ['lineNumber', 'quantity', 'unitOfMeasure', 'productIds'] },
);

const purchaseOrder: fc.Arbitrary<PurchaseOrder> = fc.record(
  {
    poNumber: fc.stringMatching(/^[A-Z0-9-]{1,22}$/),
    purpose: fc.constantFrom('original' as const, 'change' as const, 'cancellation' as const),
    orderDate: calendarDate,
    currency,
    parties: fc.array(party, { maxLength: 3 }),
    dates: fc.array(dateValue, { maxLength: 2 }),
    paymentTerms: fc.array(
      fc.record(
        {
          discountPercent: decimal,
          discountDays: fc.nat(90),
          netDays: fc.nat(120),
          discountAmount: amount,
        },
        { requiredKeys: ['netDays'] },
      ),
      { maxLength: 1 },
    ),
    allowancesCharges: fc.array(allowanceCharge, { maxLength: 2 }),
    lines: fc.array(line, { minLength: 1, maxLength: 4 }),
    totals: fc.record(
      { lineCount: fc.nat(1000), quantityTotal: decimal, totalAmount: amount },
      { requiredKeys: ['lineCount'] },
    ),
  },
  { requiredKeys: ['poNumber', 'orderDate', 'lines'] },
);

/** Pointers of every value in `doc` that the schemas say is a Decimal, found by walking both. */
function decimalPointers(schemaId: string, doc: unknown): string[] {
  const schemas = canonicalSchemas() as Record<string, Record<string, unknown>>;
  const decimalUri = 'https://schemas.crossdock.dev/canonical/common.json#/$defs/Decimal';
  const resolve = (uri: string): [Record<string, unknown>, string] => {
    const [base = '', fragment = ''] = uri.split('#');
    let schema: unknown = schemas[base];
    for (const token of fragment.split('/').slice(1))
      schema = (schema as Record<string, unknown>)[token];
    return [schema as Record<string, unknown>, base];
  };
  const found: string[] = [];
  const visit = (
    schema: Record<string, unknown>,
    base: string,
    value: unknown,
    pointer: string,
  ): void => {
    if (typeof schema.$ref === 'string') {
      const uri = new URL(schema.$ref, base).href;
      if (uri === decimalUri) found.push(pointer);
      else visit(...resolve(uri), value, pointer);
      return;
    }
    const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
    if (properties && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) {
        const property = properties[key];
        if (property) visit(property, base, child, `${pointer}/${escapePointerToken(key)}`);
      }
    }
    const items = schema.items as Record<string, unknown> | undefined;
    if (items && Array.isArray(value)) {
      value.forEach((item, index) => visit(items, base, item, `${pointer}/${index}`));
    }
  };
  visit(...resolve(`${schemaId}#`), doc, '');
  return found;
}

function replaceAt(doc: unknown, pointer: string, replacement: unknown): unknown {
  const copy = structuredClone(doc) as Record<string, unknown>;
  const tokens = pointer.split('/').slice(1);
  const last = tokens.pop() ?? '';
  let parent: Record<string, unknown> = copy;
  for (const token of tokens) parent = parent[token] as Record<string, unknown>;
  parent[last] = replacement;
  return copy;
}

const purchaseOrderSchemaId = 'https://schemas.crossdock.dev/canonical/purchase-order.json';

describe('PurchaseOrder validation (property)', () => {
  it('accepts every generated purchase order', () => {
    fc.assert(
      fc.property(purchaseOrder, (po) => {
        expect(validateDocument('PurchaseOrder', po)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects any Decimal turned into a JSON number, pointing at that field', () => {
    fc.assert(
      fc.property(purchaseOrder, fc.nat(), (po, pick) => {
        const pointers = decimalPointers(purchaseOrderSchemaId, po);
        // Every line has a quantity, so there is always a Decimal to break.
        const pointer = pointers[pick % pointers.length] ?? '';
        const decimalText = pointer
          .split('/')
          .slice(1)
          .reduce<unknown>((value, token) => (value as Record<string, unknown>)[token], po);
        const broken = replaceAt(po, pointer, Number(decimalText));
        expect(validateDocument('PurchaseOrder', broken)).toEqual([
          {
            pointer,
            keyword: 'type',
            message: 'must be a decimal string like "12.50", not a JSON number',
          },
        ]);
      }),
      { numRuns: 200 },
    );
  });

  it('finds the Decimals of a purchase order from its schema', () => {
    const po = {
      poNumber: 'P',
      orderDate: '2024-01-01',
      lines: [{ quantity: '1', unitPrice: { value: '2' } }],
    };
    expect(decimalPointers(purchaseOrderSchemaId, po)).toEqual([
      '/lines/0/quantity',
      '/lines/0/unitPrice/value',
    ]);
  });
});
