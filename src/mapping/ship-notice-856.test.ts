/**
 * The 856 maps as a pair: ship-notice-856.yaml writes a canonical ShipNotice as an X12 856 tree
 * with nested HL loops, 856-ship-notice.yaml reads the nested tree back. Round trips go through
 * real X12 text (tree writer, serializer, reader, validator, HL nesting) for 004010 and 005010,
 * and node-x12 reads every interchange written, as an independent check of the text.
 */
import type { ShipNotice, ShipNoticeItem } from '../canonical';
import { nestHierarchicalLoops } from '../x12/hierarchy';
import { mapErrorOf } from './fixtures/map-errors';
import { mapPair, readExample, VERSIONS } from './fixtures/round-trip';
import { shipNotice } from './fixtures/ship-notice.arbitrary';

const { outbound, inbound, write, read, validateSent, roundTrip, expectRoundTrips } = mapPair({
  outbound: 'ship-notice-856',
  inbound: '856-ship-notice',
  transactionSet: '856',
  functionalId: 'SH',
  documentKind: 'ShipNotice',
});

const example = readExample<ShipNotice>('ship-notices.json');

/** What a partner's 856 becomes: validated, nested as the gateway does, mapped. */
function readSent(segments: string[], version = '004010'): ShipNotice {
  const { segmentErrors, tree } = validateSent(segments.join('~'), version);
  expect(segmentErrors).toEqual([]);
  return read(nestHierarchicalLoops(tree));
}

const anItem: ShipNoticeItem = {
  productIds: [{ scheme: 'UPC', value: '081234501020' }],
  quantity: '6',
  unitOfMeasure: 'EA',
};

describe('edi-maps/maps/ship-notice-856.yaml and 856-ship-notice.yaml', () => {
  it('are found by name, with their targets', () => {
    expect(outbound.target).toBe('X12 856');
    expect(inbound.target).toBe('ShipNotice');
  });

  it('write the example notice as a retail 856: S, O, then a P with its I per carton', () => {
    const { text } = write(example, '004010');
    expect(text.split('~').slice(0, -1)).toEqual([
      'ST*856*0001',
      'BSN*00*ASN-20240328-0007*20240328*1540*0001',
      'HL*1**S*1',
      'TD1*CTN25*4****G*96.4*LB',
      'TD5*B*2*ODFL*M*Old Dominion Freight Line',
      'REF*BM*BOL7731902',
      'REF*CN*07412285536',
      'DTM*011*20240328*1540',
      'DTM*017*20240401',
      'FOB*CC',
      'N1*SF*Acme Housewares Co. Warehouse*UL*0812345000016',
      'N3*455 Commerce Drive',
      'N4*Columbus*OH*43219*US',
      'N1*ST*Northwind Distribution Center 0042*UL*0614141000043',
      'HL*2*1*O*1',
      'PRF*4500012345***20240315',
      'REF*DP*081',
      'HL*3*2*P*1',
      'TD1*CTN25*1****G*18.6*LB',
      'MAN*GM*008123450000001013',
      'HL*4*3*I*0',
      'LIN*1*UP*081234501020*VN*AH-1020-SS',
      'SN1**24*EA**48*EA',
      'HL*5*2*P*1',
      'TD1*CTN25*1****G*18.6*LB',
      'MAN*GM*008123450000001020',
      'HL*6*5*I*0',
      'LIN*1*UP*081234501020*VN*AH-1020-SS',
      'SN1**24*EA**48*EA',
      'HL*7*2*P*1',
      'TD1*CTN25*1****G*38.2*LB',
      'MAN*GM*008123450000001037',
      'HL*8*7*I*0',
      'LIN*2*UP*081234502171*VN*AH-2170-CR',
      'SN1**18*EA**24*EA',
      'HL*9*2*P*1',
      'TD1*CTN25*1****G*21.0*LB',
      'MAN*GM*008123450000001044',
      'HL*10*9*I*0',
      'LIN*3*UP*081234503390*VN*AH-3390-BB',
      'SN1**36*EA**60*EA',
      'CTT*4*102',
      'SE*43*0001',
    ]);
  });

  it.each(VERSIONS)('read the example back from %s as it was, N101 now a roleCode', (version) => {
    expect(roundTrip(example, version)).toEqual({
      ...example,
      parties: [
        { ...example.parties![0], roleCode: 'SF' },
        { ...example.parties![1], roleCode: 'ST' },
      ],
    });
  });

  it.each(VERSIONS)(
    'carry any notice within the maps’ contract there and back through %s X12',
    (version) => expectRoundTrips(shipNotice, version, 120),
  );
});

describe('edi-maps/maps/ship-notice-856.yaml', () => {
  it('says 0004 (shipment, order, item) in BSN05 when no order has packs, 0000 without a time, 00 without a purpose', () => {
    const notice = {
      shipmentId: 'ASN-1',
      shipDate: '2024-03-28',
      orders: [{ poNumber: '4500012345', items: [anItem] }],
    };
    const { text, tree } = write(notice, '005010');
    expect(text).toContain('~BSN*00*ASN-1*20240328*0000*0004~HL*1**S*1~DTM*011*20240328~');
    expect(text).toContain('~HL*2*1*O*1~PRF*4500012345~HL*3*2*I*0~LIN**UP*081234501020~SN1**6*EA~');
    expect(read(tree)).toEqual({ ...notice, purpose: 'original' }); // BSN01 is mandatory
  });

  it('writes a tare with its packs (T → P → I), serial numbers as LIN pairs qualified SN', () => {
    const carton = {
      level: 'pack' as const,
      sscc: '008123450000001013',
      marks: [{ qualifier: 'CP', value: '1Z999AA10123456784' }],
      dimensions: { length: '16', width: '12', height: '10.5', unitOfMeasure: 'IN' },
      items: [{ ...anItem, serialNumbers: ['SER-1', 'SER-2'] }],
    };
    const notice = {
      ...example,
      orders: [
        {
          poNumber: '4500012345',
          packs: [{ level: 'tare' as const, sscc: '008123450000000015', packs: [carton] }],
        },
      ],
    };
    const { text, tree } = write(notice, '004010');
    expect(text).toContain(
      [
        'HL*3*2*T*1',
        'MAN*GM*008123450000000015',
        'HL*4*3*P*1',
        'MEA*PD*LN*16*IN',
        'MEA*PD*WD*12*IN',
        'MEA*PD*HT*10.5*IN',
        'MAN*GM*008123450000001013',
        'MAN*CP*1Z999AA10123456784',
        'HL*5*4*I*0',
        'LIN**UP*081234501020*SN*SER-1*SN*SER-2',
      ].join('~'),
    );
    expect(read(tree).orders).toEqual(notice.orders);
  });

  it.each([
    [
      'a pack inside a pack inside a pack (deeper than tare → pack → items)',
      {
        orders: [
          { poNumber: 'P1', packs: [{ level: 'tare', packs: [{ packs: [{ items: [anItem] }] }] }] },
        ],
      },
      '/HLLoop/0/HLLoop/0/HLLoop/0/HLLoop/0/HLLoop/0',
      'unknown-code',
    ],
    [
      'an item with more product ids and serial numbers than LIN has pairs for',
      {
        orders: [
          {
            poNumber: 'P1',
            items: [{ ...anItem, serialNumbers: Array.from({ length: 15 }, (_, i) => `S${i}`) }],
          },
        ],
      },
      '/HLLoop/0/HLLoop/0/HLLoop/0/LIN',
      'too-many',
    ],
    [
      'a pack level it has no HL03 for',
      { orders: [{ poNumber: 'P1', packs: [{ level: 'crate' }] }] },
      '/HLLoop/0/HLLoop/0/HLLoop/0/HL/HL03',
      'unknown-code',
    ],
  ])('refuses a notice with %s: a MapError names the place', (_what, change, pointer, code) => {
    const error = mapErrorOf(() => outbound.run({ ...example, ...change }));
    expect(error).toMatchObject({ pointer, code, file: outbound.file });
  });
});

describe('edi-maps/maps/856-ship-notice.yaml on what a shipper sends', () => {
  const sent = [
    'ST*856*0007',
    'BSN*00*ASN0007*20240328*1602*0001',
    'DTM*011*20240328*1540*ET',
    'HL*1**S*1',
    'TD1*PLT94*1****G*410*LB',
    'TD5*B*2*FXFE*M',
    'REF*BM*BOL-88',
    'REF*CN*PRO-123',
    'N1*ST*NORTHWIND DC 0042*UL*0614141000043',
    'N1*SF*ACME WAREHOUSE*UL*0812345000016',
    'N3*455 COMMERCE DRIVE',
    'N4*COLUMBUS*OH*43219',
    'HL*2*1*O*1',
    'PRF*4500012345***20240315',
    'REF*IV*INV-20240328-01',
    'N1*Z7**92*0117',
    'HL*3*2*T*1',
    'MAN*GM*008123450000000015',
    'HL*4*3*P*1',
    'TD1*CTN25*1****G*18.6*LB',
    'MAN*GM*008123450000001013',
    'MAN*CP*1Z999AA10123456784',
    'HL*5*4*I*0',
    'LIN*1*UP*081234501020*SN*SER-1*SN*SER-2',
    'SN1**2*EA**48*EA',
    'PO4*12*1*EA',
    'REF*LT*LOT-7',
    'HL*6*2*I*0',
    'LIN*4*UP*081234509991',
    'SN1*1*6*EA*6',
    'PID*F*08***DISPLAY',
    'CTT*6*8',
    'SE*33*0007',
  ];

  it.each(VERSIONS)('maps the nested tree of a %s tare → pack → item notice', (version) => {
    const item = {
      lineNumber: '1',
      productIds: [{ scheme: 'UPC', value: '081234501020' }],
      quantity: '2',
      unitOfMeasure: 'EA',
      orderedQuantity: '48',
      packaging: { pack: 12, size: '1', unitOfMeasure: 'EA' },
      lotNumber: 'LOT-7',
      serialNumbers: ['SER-1', 'SER-2'],
    };
    expect(readSent(sent, version)).toEqual({
      shipmentId: 'ASN0007',
      shipDate: '2024-03-28',
      shipTime: '15:40',
      purpose: 'original',
      parties: [
        {
          role: 'shipTo',
          roleCode: 'ST',
          name: 'NORTHWIND DC 0042',
          identifiers: [{ scheme: 'GLN', value: '0614141000043' }],
        },
        {
          role: 'shipFrom',
          roleCode: 'SF',
          name: 'ACME WAREHOUSE',
          identifiers: [{ scheme: 'GLN', value: '0812345000016' }],
          address: {
            lines: ['455 COMMERCE DRIVE'],
            city: 'COLUMBUS',
            region: 'OH',
            postalCode: '43219',
          },
        },
      ],
      carrier: { scac: 'FXFE', transportMethod: 'M', proNumber: 'PRO-123' },
      billOfLading: 'BOL-88',
      ladingQuantity: { quantity: 1, packagingCode: 'PLT94' },
      grossWeight: { value: '410', unitOfMeasure: 'LB' },
      orders: [
        {
          poNumber: '4500012345',
          poDate: '2024-03-15',
          invoiceNumber: 'INV-20240328-01',
          parties: [
            {
              role: 'markFor',
              roleCode: 'Z7',
              identifiers: [{ scheme: 'AssignedByBuyer', value: '0117' }],
            },
          ],
          packs: [
            {
              level: 'tare',
              sscc: '008123450000000015',
              packs: [
                {
                  level: 'pack',
                  sscc: '008123450000001013',
                  marks: [{ qualifier: 'CP', value: '1Z999AA10123456784' }],
                  packagingCode: 'CTN25',
                  weight: { value: '18.6', unitOfMeasure: 'LB' },
                  items: [item],
                },
              ],
            },
          ],
          // An item packed without a label hangs under the order itself.
          items: [
            {
              lineNumber: '4',
              productIds: [{ scheme: 'UPC', value: '081234509991' }],
              descriptions: [{ text: 'DISPLAY', qualifier: 'product' }],
              quantity: '6',
              unitOfMeasure: 'EA',
              extensions: { x12: { SN1: { SN101: '1', SN104: '6' } } },
            },
          ],
        },
      ],
      totals: { lineCount: 6, quantityTotal: '8' },
      // ET (Eastern, standard or daylight?) has no single UTC offset.
      extensions: { x12: { DTM: [{ DTM04: 'ET' }] } },
    });
  });

  it('reads serial numbers a shipper sends as REF*SE too', () => {
    const tree = {
      BSN: { BSN01: '00', BSN02: 'ASN0008', BSN03: '20240328', BSN04: '1602' },
      HLLoop: [
        {
          HL: { HL01: '1', HL03: 'S' },
          HLLoop: [
            {
              HL: { HL01: '2', HL02: '1', HL03: 'O' },
              PRF: { PRF01: '4500012345' },
              HLLoop: [
                {
                  HL: { HL01: '3', HL02: '2', HL03: 'I' },
                  LIN: { LIN02: 'UP', LIN03: '081234501020' },
                  SN1: { SN102: '2', SN103: 'EA' },
                  REF: [
                    { REF01: 'SE', REF02: 'SER-1' },
                    { REF01: 'SE', REF02: 'SER-2' },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    expect(read(tree).orders[0]!.items![0]!.serialNumbers).toEqual(['SER-1', 'SER-2']);
  });

  it('refuses a pack inside a pack inside a pack: a MapError names the place', () => {
    const deep = [
      ...sent.slice(0, 22),
      'HL*5*4*P*1',
      'MAN*GM*008123450000001020',
      'HL*6*5*I*0',
      'LIN*1*UP*081234501020',
      'SN1**2*EA',
      'SE*28*0007',
    ];
    const { segmentErrors, tree } = validateSent(deep.join('~'), '004010');
    expect(segmentErrors).toEqual([]);
    const error = mapErrorOf(() => inbound.run(nestHierarchicalLoops(tree)));
    expect(error).toMatchObject({
      pointer: '/orders/0/packs/0/packs/0/packs/0',
      code: 'unknown-code',
      value: 'P',
      file: inbound.file,
    });
  });

  it('refuses an 856 without an order HL', () => {
    const error = mapErrorOf(() => readSent([...sent.slice(0, 12), 'CTT*1', 'SE*14*0007']));
    expect(error).toMatchObject({ pointer: '/orders', code: 'missing-required' });
  });
});
