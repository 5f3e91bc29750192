/**
 * The built-in 850 map (edi-maps/maps/850-purchase-order.yaml) and Northwind Retail's override
 * (edi-maps/partners/northwind-retail/850.yaml), on trees as the X12 validator produces them.
 */
import fc from 'fast-check';
import { validateDocument, type PurchaseOrder } from '../canonical';
import { builtInEdiMapsDir, loadTransactionSetSchemas } from '../x12/schema';
import { segmentsFromText, testDelimiters } from '../x12/testing';
import { validateTransactionSet } from '../x12/validate';
import { loadMaps, mapDirectories, MapError, type CompiledMap } from './index';
import { mapErrorOf } from './fixtures/map-errors';
import { removeMapFolders, writeMapFolder } from './fixtures/map-folders';
import { random850Tree } from './fixtures/random-850-trees';
import {
  northwind850Tree,
  plainPurchaseOrderTree,
  purchaseOrderTree,
  retail850Tree,
  retail850Tree005010,
} from './fixtures/retail-850-trees';

afterAll(removeMapFolders);

const catalog = loadMaps(mapDirectories(undefined));
const map850 = catalog.get('850-purchase-order')!;

function mapOrder(tree: unknown, map: CompiledMap = map850): PurchaseOrder {
  const order = map.run(tree) as PurchaseOrder;
  expect(validateDocument('PurchaseOrder', order)).toEqual([]);
  return order;
}

describe('edi-maps/maps/850-purchase-order.yaml', () => {
  it('is found by name, with its target', () => {
    expect(map850.target).toBe('PurchaseOrder');
    expect(map850.file).toMatch(/edi-maps\/maps\/850-purchase-order\.yaml$/);
  });

  it('maps a 004010 retail order to a valid PurchaseOrder with everything the buyer sent', () => {
    const order = mapOrder(retail850Tree());
    expect(order).toMatchObject({
      poNumber: '4500012345',
      purpose: 'original',
      orderType: 'standalone',
      orderDate: '2024-03-15',
      currency: 'USD',
      termsOfSale: {
        shipmentMethodOfPayment: 'CC',
        locationQualifier: 'OR',
        location: 'ORIGIN',
        transportationTerms: 'FCA',
      },
      paymentTerms: [
        { type: '08', basisDate: '3', discountPercent: '2', discountDays: 10, netDays: 30 },
      ],
      carrier: { scac: 'ODFL', transportMethod: 'M', routing: 'OLD DOMINION LTL CALL DC FOR APPT' },
      taxes: [{ type: 'ST', percent: '6.25', isExempt: false }],
      totals: { lineCount: 3, quantityTotal: '132', totalAmount: { value: '1407.00' } },
    });
    expect(order.references).toEqual([
      { qualifier: 'DP', value: '081', description: 'HOUSEWARES' },
      { qualifier: 'IA', value: 'V-20417' },
      { qualifier: 'CT', value: 'C-2024-118' },
      { qualifier: 'PD', value: 'SPRING24', description: 'SPRING PROMOTION' },
      { qualifier: 'ZZ', value: 'REPLENISHMENT' },
      { qualifier: 'L1', value: 'SPECIAL INSTRUCTIONS' },
    ]);
    expect(order.contacts).toEqual([
      {
        function: 'BD',
        name: 'DANA WHITFIELD',
        phone: '312-555-0142',
        email: 'dana.whitfield@globex.example',
      },
    ]);
    expect(order.dates).toEqual([
      { qualifier: 'requestedShip', date: '2024-04-01' },
      { qualifier: 'cancelAfter', date: '2024-04-09' },
      { qualifier: 'requestedDelivery', date: '2024-04-05', time: '14:00', utcOffset: '-05:00' },
      { qualifier: 'shipNotBefore', date: '2024-03-29', time: '08:00' },
    ]);
    expect(order.notes).toEqual([
      { qualifier: 'L1', text: 'LABEL EVERY CARTON WITH A GS1-128 SSCC LABEL' },
      { qualifier: 'L1', text: 'NO BACKORDERS ACCEPTED' },
    ]);
    expect(order.allowancesCharges).toEqual([
      {
        indicator: 'charge',
        code: 'D240',
        amount: { value: '150.00' },
        handlingMethod: '06',
        description: 'FREIGHT',
      },
      {
        indicator: 'allowance',
        code: 'C310',
        percent: '2.5',
        percentBasis: '3',
        handlingMethod: '02',
        description: 'VOLUME DISCOUNT',
      },
    ]);
  });

  it('maps the N1 loops to parties with identifiers, N2/N3/N4 addresses, contacts and references', () => {
    const parties = mapOrder(retail850Tree()).parties!;
    expect(parties.map((party) => [party.role, party.roleCode])).toEqual([
      ['buyer', 'BY'],
      ['shipTo', 'ST'],
      ['seller', 'VN'],
      ['billTo', 'BT'],
    ]);
    expect(parties[0]!.identifiers).toEqual([{ scheme: 'DUNS', value: '123456789' }]);
    expect(parties[1]).toMatchObject({
      name: 'GLOBEX DC 0042',
      identifiers: [{ scheme: 'GLN', value: '0614141000043' }],
      address: {
        lines: ['ATTN RECEIVING', '2100 LOGISTICS PARKWAY', 'DOCK 7-12'],
        city: 'JOLIET',
        region: 'IL',
        postalCode: '60431',
        country: 'US',
      },
      references: [{ qualifier: 'DC', value: '0042' }],
    });
    expect(parties[2]!.references).toEqual([
      { qualifier: 'IA', value: 'V-20417', description: 'VENDOR NUMBER' },
    ]);
    // N404 USA (alpha-3) becomes US; PER with EM, FX and EX pairs keeps what fits.
    expect(parties[3]).toMatchObject({
      address: { country: 'US' },
      contacts: [
        {
          function: 'AP',
          name: 'ACCOUNTS PAYABLE',
          email: 'ap@globex.example',
          fax: '312-555-0199',
        },
      ],
    });
  });

  it('maps PO1 lines: every product id pair, prices, descriptions, packaging, store split, allowance', () => {
    const [first, second, third] = mapOrder(retail850Tree()).lines;
    expect(first).toEqual({
      lineNumber: '1',
      quantity: '48',
      unitOfMeasure: 'EA',
      unitPrice: { value: '12.75', basis: 'PE' },
      additionalPrices: [{ value: '24.99', type: 'retail' }],
      productIds: [
        { scheme: 'UPC', value: '081234501020' },
        { scheme: 'VendorPart', value: 'AH-1020-SS' },
        { scheme: 'BuyerPart', value: '700112' },
      ],
      descriptions: [{ text: 'SKILLET, STAINLESS STEEL, 10 IN', qualifier: 'product' }],
      packaging: {
        pack: 12,
        size: '1',
        unitOfMeasure: 'EA',
        packagingCode: 'CTN25',
        weight: { value: '18.6', unitOfMeasure: 'LB' },
      },
      extensions: { x12: { PO4: [{ PO405: 'G' }] } },
    });
    expect(second!.productIds).toEqual([
      { scheme: 'UPC', value: '081234502171' },
      { scheme: 'VendorPart', value: 'AH-2170-CR' },
      { scheme: 'IN', value: '700245' },
      { scheme: 'EAN', value: '0081234502178' },
    ]);
    expect(second!.descriptions).toEqual([
      { text: 'MIXING BOWL SET, CERAMIC, 3 PIECE', qualifier: 'product' },
      { text: 'SAGE', qualifier: 'color' },
    ]);
    expect(second!.packaging).toEqual({
      pack: 6,
      size: '1',
      unitOfMeasure: 'ST',
      packagingCode: 'CTN25',
      innerPack: 2,
    });
    expect(second!.destinationQuantities).toEqual([
      { location: { scheme: 'StoreNumber', value: '0117' }, quantity: '12', unitOfMeasure: 'EA' },
      { location: { scheme: 'StoreNumber', value: '0233' }, quantity: '12', unitOfMeasure: 'EA' },
    ]);
    expect(second!.dates).toEqual([{ qualifier: 'requestedShip', date: '2024-04-03' }]);
    expect(third!.unitPrice).toEqual({ value: '6.2', basis: 'PE' });
    expect(third!.productIds[0]).toEqual({ scheme: 'GTIN', value: '10081234503397' });
    expect(third!.allowancesCharges).toEqual([
      {
        indicator: 'allowance',
        code: 'F800',
        amount: { value: '18.60' },
        percent: '5',
        percentBasis: '1',
        handlingMethod: '02',
        description: 'SPRING PROMOTION',
      },
    ]);
    expect(third!.references).toEqual([{ qualifier: 'PD', value: 'SPRING24' }]);
    expect(third!.notes).toEqual([{ text: 'DISPLAY READY PACK' }]);
  });

  it('carries what the canonical model has no place for in extensions.x12, positions kept', () => {
    expect(mapOrder(retail850Tree()).extensions).toEqual({
      x12: {
        BEG: { BEG07: 'AD' },
        CUR: { CUR01: 'BY' },
        REF: [{}, {}, {}, {}, { REF04: ['PO', '4500011111'] }],
        CSH: [{ CSH01: 'SC' }],
        DTM: [{}, {}, {}, { DTM04: 'ET' }],
        TD5: [{ TD501: 'O' }],
        N1Loop: [{}, {}, {}, { PER: [{ PER07: 'EX', PER08: '204' }] }],
      },
    });
  });

  it('keeps a second phone number of a PER (only the first has a canonical place)', () => {
    const tree = retail850Tree();
    tree.PER = [
      { PER01: 'BD', PER03: 'TE', PER04: '312-555-0142', PER05: 'TE', PER06: '312-555-0143' },
    ];
    const order = mapOrder(tree);
    expect(order.contacts).toEqual([{ function: 'BD', phone: '312-555-0142' }]);
    expect(order.extensions).toMatchObject({
      x12: { PER: [{ PER05: 'TE', PER06: '312-555-0143' }] },
    });
  });

  it('keeps a purpose code it has no canonical name for in extensions.purposeCode', () => {
    const tree = retail850Tree();
    tree.BEG = { ...tree.BEG, BEG01: '22' };
    const order = mapOrder(tree);
    expect(order.purpose).toBeUndefined();
    expect(order.extensions).toMatchObject({ purposeCode: '22' });
  });

  it('reads the 005010 shape: CTT and CTP without loops, seconds, UT, N407, SAC currency', () => {
    const order = mapOrder(retail850Tree005010());
    expect(order.totals).toEqual({
      lineCount: 3,
      quantityTotal: '132',
      totalAmount: { value: '1407.00' },
    });
    expect(order.lines[0]!.additionalPrices).toEqual([{ value: '24.99', type: 'retail' }]);
    expect(order.dates![0]).toEqual({
      qualifier: 'requestedShip',
      date: '2024-04-01',
      time: '09:30:15',
      utcOffset: 'Z',
    });
    expect(order.allowancesCharges![0]!.amount).toEqual({ value: '150.00', currency: 'USD' });
    expect(order.extensions).toMatchObject({
      x12: { N1Loop: [{}, { N4: [{ N407: 'IL' }] }, {}, {}] },
    });
  });

  it('reads a CTT loop given as a one-item list as well as an object', () => {
    const tree = retail850Tree();
    tree.CTTLoop = [tree.CTTLoop as never];
    expect(mapOrder(tree).totals).toEqual({
      lineCount: 3,
      quantityTotal: '132',
      totalAmount: { value: '1407.00' },
    });
  });

  it('numbers lines by position when PO101 is not sent', () => {
    const tree = plainPurchaseOrderTree(3);
    for (const line of tree.PO1Loop as { PO1: Record<string, string> }[]) delete line.PO1.PO101;
    expect(mapOrder(tree).lines.map((line) => line.lineNumber)).toEqual(['1', '2', '3']);
  });

  it('maps a 20-line order (the benchmark one) to a valid PurchaseOrder', () => {
    expect(mapOrder(purchaseOrderTree(20)).lines).toHaveLength(20);
    expect(mapOrder(plainPurchaseOrderTree(20)).lines).toHaveLength(20);
  });

  it.each([
    ['no BEG', (t: Record<string, unknown>) => delete t.BEG, '/poNumber', 'missing-required'],
    [
      'a BEG05 that is no date',
      (t: Record<string, any>) => (t.BEG.BEG05 = '20240231'),
      '/orderDate',
      'invalid-date',
    ],
    ['no PO1 loop', (t: Record<string, unknown>) => delete t.PO1Loop, '/lines', 'missing-required'],
    [
      'a SAC01 the strict table does not know',
      (t: Record<string, any>) => (t.SACLoop[1].SAC.SAC01 = 'X'),
      '/allowancesCharges/1/indicator',
      'unknown-code',
    ],
    [
      'a line without product ids',
      (t: Record<string, any>) => (t.PO1Loop[2].PO1 = { PO101: '3', PO102: '1', PO103: 'EA' }),
      '/lines/2/productIds',
      'missing-required',
    ],
    [
      'a quantity that is no number',
      (t: Record<string, any>) => (t.PO1Loop[1].PO1.PO102 = '2 4'),
      '/lines/1/quantity',
      'invalid-decimal',
    ],
    [
      'a store quantity with too many decimals',
      (t: Record<string, any>) => (t.PO1Loop[1].SDQ[0].SDQ06 = '1.123456789'),
      '/lines/1/destinationQuantities/1/quantity',
      'decimal-out-of-range',
    ],
  ])('refuses an order with %s: a MapError names the place', (_what, spoil, pointer, code) => {
    const tree = retail850Tree() as Record<string, unknown>;
    spoil(tree);
    const error = mapErrorOf(() => map850.run(tree));
    expect(error.pointer).toBe(pointer);
    expect(error.code).toBe(code);
    expect(error.file).toBe(map850.file);
  });

  it.each([
    ['the base map', '850-purchase-order', undefined],
    ['the Northwind override', '850-purchase-order', 'northwind-retail'],
  ])(
    'maps any 850 tree within the contract to a valid PurchaseOrder or a clear MapError (%s)',
    (_which, name, partnerId) => {
      const map = catalog.get(name, partnerId)!;
      let mapped = 0;
      let refused = 0;
      fc.assert(
        fc.property(random850Tree, (tree) => {
          let order: unknown;
          try {
            order = map.run(tree);
          } catch (error) {
            expect(error).toBeInstanceOf(MapError);
            const mapError = error as MapError;
            expect(mapError.code).not.toBe('internal');
            expect(mapError.file).toBe(map.file);
            expect(mapError.message).toContain(mapError.pointer || '/');
            refused++;
            return;
          }
          expect(validateDocument('PurchaseOrder', order)).toEqual([]);
          mapped++;
        }),
        { numRuns: 400 },
      );
      // Both outcomes really happen, so the property is not vacuous.
      expect(mapped).toBeGreaterThan(50);
      expect(refused).toBeGreaterThan(10);
    },
  );
});

describe('the 850 map behind the X12 validator', () => {
  const schemas = loadTransactionSetSchemas([builtInEdiMapsDir()]);
  const x12 = [
    'ST*850*0001',
    'BEG*00*SA*4500012345**20240315**AD',
    'CUR*BY*USD',
    'REF*DP*081*HOUSEWARES',
    'REF*ZZ**REPLENISHMENT*PO:4500011111',
    'PER*BD*DANA WHITFIELD*TE*312-555-0142*EM*dana.whitfield@globex.example',
    'FOB*CC*OR*ORIGIN*01*FCA',
    'SAC*C*D240***15000*******06***FREIGHT',
    'ITD*08*3*2**10**30*****2% 10 NET 30',
    'DTM*002*20240405*1400*ES',
    'TD5*O*2*ODFL*M*OLD DOMINION',
    'N9*L1*SPECIAL INSTRUCTIONS',
    'MSG*LABEL EVERY CARTON',
    'N1*ST*GLOBEX DC 0042*UL*0614141000043',
    'N2*ATTN RECEIVING',
    'N3*2100 LOGISTICS PARKWAY*DOCK 7-12',
    'N4*JOLIET*IL*60431*US',
    'PO1*1*48*EA*12.75*PE*UP*081234501020*VN*AH-1020-SS*BP*700112',
    'CTP**RES*24.99',
    'PID*F*08***SKILLET',
    'PO4*12*1*EA*CTN25*G*18.6*LB',
    'SDQ*EA*92*0117*12*0233*36',
    'PO1*2*24*EA*18.40*PE*UP*081234502171*IN*700245',
    'CTT*2*72',
    'AMT*TT*1407.00',
    'SE*26*0001',
  ].join('~');

  it.each(['004010', '005010'])('maps the tree the %s validator builds', (version) => {
    const schema = schemas.get(version, '850')!;
    const { segmentErrors, tree } = validateTransactionSet(
      segmentsFromText(`${x12}~`),
      schema,
      testDelimiters,
    );
    expect(segmentErrors).toEqual([]);
    const order = mapOrder(tree);
    expect(order).toMatchObject({
      poNumber: '4500012345',
      orderDate: '2024-03-15',
      parties: [
        {
          role: 'shipTo',
          address: { lines: ['ATTN RECEIVING', '2100 LOGISTICS PARKWAY', 'DOCK 7-12'] },
        },
      ],
      lines: [
        {
          lineNumber: '1',
          additionalPrices: [{ value: '24.99', type: 'retail' }],
          packaging: { pack: 12 },
        },
        { lineNumber: '2', productIds: [{ scheme: 'UPC' }, { scheme: 'IN', value: '700245' }] },
      ],
      totals: { lineCount: 2, quantityTotal: '72', totalAmount: { value: '1407.00' } },
    });
    // The envelope (ST, SE) is not part of the order; BEG07 and REF04 are kept.
    expect(order.extensions).toEqual({
      x12: {
        BEG: { BEG07: 'AD' },
        CUR: { CUR01: 'BY' },
        REF: [{}, { REF04: ['PO', '4500011111'] }],
        TD5: [{ TD501: 'O' }],
      },
    });
  });
});

describe('edi-maps/partners/northwind-retail/850.yaml', () => {
  const northwind = catalog.get('850-purchase-order', 'northwind-retail')!;

  it('is the partner version of the 850 map, built on the base file', () => {
    expect(northwind.partnerId).toBe('northwind-retail');
    expect(northwind.files).toEqual([
      map850.file,
      expect.stringMatching(/partners\/northwind-retail\/850\.yaml$/),
    ]);
  });

  it('handles the store in REF*ST, IN item numbers and the REF*PD promotion, by the file alone', () => {
    const order = mapOrder(northwind850Tree(), northwind);
    expect(order.parties).toEqual([
      {
        role: 'buyer',
        roleCode: 'BY',
        name: 'NORTHWIND RETAIL INC',
        identifiers: [{ scheme: 'DUNS', value: '556677889' }],
      },
      {
        role: 'shipTo',
        roleCode: 'ST',
        name: 'NORTHWIND STORE 388',
        identifiers: [{ scheme: 'StoreNumber', value: '0388' }],
      },
    ]);
    expect(order.references).toEqual([
      { qualifier: 'DP', value: '114' },
      { qualifier: 'promotion', value: 'MEMDAY24', description: 'MEMORIAL DAY EVENT' },
    ]);
    expect(order.lines[0]!.productIds).toEqual([
      { scheme: 'UPC', value: '081234509991' },
      { scheme: 'BuyerPart', value: 'NW-55012' },
    ]);
    expect(order.lines[1]!.productIds[0]).toEqual({ scheme: 'BuyerPart', value: 'NW-55013' });
    expect(order.lines[1]!.references).toEqual([{ qualifier: 'promotion', value: 'MEMDAY24-B' }]);
  });

  it('differs from what the base map makes of the same order exactly there', () => {
    const base = mapOrder(northwind850Tree());
    expect(base.parties).toHaveLength(1);
    expect(base.references).toContainEqual({
      qualifier: 'ST',
      value: '0388',
      description: 'NORTHWIND STORE 388',
    });
    expect(base.references).toContainEqual({
      qualifier: 'PD',
      value: 'MEMDAY24',
      description: 'MEMORIAL DAY EVENT',
    });
    expect(base.lines[0]!.productIds[1]).toEqual({ scheme: 'IN', value: 'NW-55012' });
  });

  it('maps other buyers’ orders the way the base map does, where Northwind sends nothing different', () => {
    const tree = retail850Tree();
    const base = mapOrder(tree);
    const partner = mapOrder(tree, northwind);
    expect(partner.lines[0]).toEqual(base.lines[0]);
    expect(partner.totals).toEqual(base.totals);
  });

  it('a CROSSDOCK_HOME copy of the override replaces the built-in one, the base still built in', () => {
    const home = writeMapFolder({
      'edi-maps/partners/northwind-retail/850.yaml': `
extends: maps/850-purchase-order.yaml
output:
  orderType: northwind-special
`,
    });
    const fromHome = loadMaps(mapDirectories(home)).get('850-purchase-order', 'northwind-retail')!;
    expect(fromHome.files[0]).toBe(map850.file);
    expect(mapOrder(northwind850Tree(), fromHome)).toMatchObject({
      orderType: 'northwind-special',
      parties: [{ role: 'buyer' }],
    });
  });
});
