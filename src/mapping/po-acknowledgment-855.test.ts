/**
 * The 855 maps as a pair: po-acknowledgment-855.yaml writes a canonical PurchaseOrderAcknowledgment
 * as an X12 855 tree, 855-po-acknowledgment.yaml reads one back. Round trips go through real X12
 * text (tree writer, serializer, reader, validator) for 004010 and 005010, and node-x12 reads
 * every interchange written, as an independent check of the text.
 */
import type { PurchaseOrderAcknowledgment } from '../canonical';
import { mapErrorOf } from './fixtures/map-errors';
import { purchaseOrderAcknowledgment } from './fixtures/po-acknowledgment.arbitrary';
import { mapPair, readExample, VERSIONS } from './fixtures/round-trip';

const { outbound, inbound, write, read, validateSent, roundTrip, expectRoundTrips } = mapPair({
  outbound: 'po-acknowledgment-855',
  inbound: '855-po-acknowledgment',
  transactionSet: '855',
  functionalId: 'PR',
  documentKind: 'PurchaseOrderAcknowledgment',
});

const example = readExample<PurchaseOrderAcknowledgment>('po-acknowledgments.json');

describe('edi-maps/maps/po-acknowledgment-855.yaml and 855-po-acknowledgment.yaml', () => {
  it('are found by name, with their targets', () => {
    expect(outbound.target).toBe('X12 855');
    expect(inbound.target).toBe('PurchaseOrderAcknowledgment');
  });

  it('write the example acknowledgment as a retail 855', () => {
    const { text } = write(example, '004010');
    expect(text.split('~').slice(0, -1)).toEqual([
      'ST*855*0001',
      'BAK*00*AC*4500012345*20240315****SO-88231*20240316',
      'CUR*SE*USD',
      'N1*SU*Acme Housewares Co.*1*987654321',
      'N1*BY*Northwind Retail Inc.*1*123456789',
      'PO1*1*48*EA*12.75**UP*081234501020',
      'ACK*IA*48*EA*068*20240328',
      'PO1*2*24*EA*18.40**UP*081234502171',
      'ACK*IQ*18*EA*068*20240328',
      'MSG*Sage colorway limited; 18 sets available this season.',
      'PO1*3*60*EA*6.20**UP*081234503390',
      'ACK*BP', // the line's status: its first split (IA) does not say it
      'ACK*IA*36*EA*068*20240328',
      'ACK*IB*24*EA*068*20240412',
      'CTT*3*126',
      'SE*16*0001',
    ]);
  });

  it.each(VERSIONS)('read the example back from %s as it was, N101 now a roleCode', (version) => {
    expect(roundTrip(example, version)).toEqual({
      ...example,
      parties: [
        { ...example.parties![0], roleCode: 'SU' },
        { ...example.parties![1], roleCode: 'BY' },
      ],
    });
  });

  it.each(VERSIONS)(
    'carry any acknowledgment within the maps’ contract there and back through %s X12',
    (version) => expectRoundTrips(purchaseOrderAcknowledgment, version, 150),
  );
});

describe('edi-maps/maps/po-acknowledgment-855.yaml', () => {
  it('writes a purpose code kept by the inbound map, and 00 when there is none', () => {
    const { purpose: _purpose, ...rest } = example;
    const bak = (ack: unknown) => write(ack, '005010').text.split('~')[1];
    expect(bak({ ...rest, extensions: { purposeCode: '22' } })).toMatch(/^BAK\*22\*AC\*/);
    expect(bak(rest)).toMatch(/^BAK\*00\*AC\*/);
  });

  it('gives a scheduled quantity without a unit its line’s unit (ACK03 goes with ACK02)', () => {
    const line = example.lines![0]!;
    const ack = { ...example, lines: [{ ...line, schedule: [{ status: 'IA', quantity: '48' }] }] };
    expect(write(ack, '004010').text).toContain('~ACK*IA*48*EA~');
  });

  it('writes qualified notes as N9*L1 loops, a header note without a kind as GEN', () => {
    const ack = {
      ...example,
      notes: [{ text: 'Ships from Columbus', qualifier: 'SHP' }, { text: 'Thank you' }],
      lines: [{ ...example.lines![0]!, notes: [{ text: 'Boxed', qualifier: 'PKG' }] }],
    };
    const { text, tree } = write(ack, '004010');
    expect(text).toContain('~N9*L1*SHP~MSG*Ships from Columbus~N9*L1*GEN~MSG*Thank you~');
    expect(text).toContain('~N9*L1*PKG~MSG*Boxed~');
    expect(read(tree).notes).toEqual([
      { text: 'Ships from Columbus', qualifier: 'SHP' },
      { text: 'Thank you', qualifier: 'GEN' },
    ]);
  });

  it.each([
    ['no PO date (BAK04 is mandatory)', { poDate: undefined }, '/BAK/BAK04', 'missing-required'],
    ['a purpose with no X12 code', { purpose: 'forecast' }, '/BAK/BAK01', 'unknown-code'],
    [
      'a party whose role is other and that has no roleCode',
      { parties: [{ role: 'other', name: 'SOMEONE' }] },
      '/N1Loop/0/N1/N101',
      'unknown-code',
    ],
  ])(
    'refuses an acknowledgment with %s: a MapError names the place',
    (_what, change, pointer, code) => {
      const error = mapErrorOf(() => outbound.run({ ...example, ...change }));
      expect(error).toMatchObject({ pointer, code, file: outbound.file });
    },
  );
});

describe('edi-maps/maps/855-po-acknowledgment.yaml on what a seller sends', () => {
  const sent = [
    'ST*855*0012',
    'BAK*00*AC*4500012345*20240315**REQ-7*C-2024-118*SO-88231*20240316*AD',
    'CUR*SE*USD*0.9150',
    'REF*IA*V-20417',
    'PER*IC*JANE ROE*TE*614-555-0100*EM*orders@acme.example*EX*12',
    'DTM*068*20240328*0900*ES',
    'N9*L1*SHIPPING',
    'MSG*ALL LINES SHIP FROM COLUMBUS',
    'N9*ZZ*PROMO-9*SPRING',
    'N1*SU*ACME HOUSEWARES CO*9*9876543210001',
    'N3*455 COMMERCE DRIVE',
    'N4*COLUMBUS*OH*43219*USA',
    'PO1*1*48*EA*12.75*PE*UP*081234501020*VN*AH-1020-SS',
    'PID*F*08***SKILLET, STAINLESS STEEL',
    'DTM*002*20240405',
    'ACK*IA*48*EA**20240328',
    'PO1**24*EA*18.40**UP*081234502171',
    'ACK*IR',
    'MSG*DISCONTINUED',
    'CTT*2*72',
    'AMT*TT*1053.60',
    'SE*21*0012',
  ].join('~');

  it.each(VERSIONS)(
    'maps the tree the %s validator builds, keeping what has no place',
    (version) => {
      const { segmentErrors, tree } = validateSent(sent, version);
      expect(segmentErrors).toEqual([]);
      expect(read(tree)).toEqual({
        ackType: 'AC',
        purpose: 'original',
        poNumber: '4500012345',
        poDate: '2024-03-15',
        ackNumber: 'SO-88231',
        ackDate: '2024-03-16',
        currency: 'USD',
        references: [
          { qualifier: 'IA', value: 'V-20417' },
          { qualifier: 'ZZ', value: 'PROMO-9', description: 'SPRING' },
        ],
        contacts: [
          { function: 'IC', name: 'JANE ROE', phone: '614-555-0100', email: 'orders@acme.example' },
        ],
        dates: [
          { qualifier: 'estimatedShip', date: '2024-03-28', time: '09:00', utcOffset: '-05:00' },
        ],
        notes: [{ qualifier: 'SHIPPING', text: 'ALL LINES SHIP FROM COLUMBUS' }],
        parties: [
          {
            role: 'seller',
            roleCode: 'SU',
            name: 'ACME HOUSEWARES CO',
            identifiers: [{ scheme: 'DUNS+4', value: '9876543210001' }],
            address: {
              lines: ['455 COMMERCE DRIVE'],
              city: 'COLUMBUS',
              region: 'OH',
              postalCode: '43219',
              country: 'US',
            },
          },
        ],
        lines: [
          {
            lineNumber: '1',
            status: 'IA',
            orderedQuantity: '48',
            unitOfMeasure: 'EA',
            unitPrice: { value: '12.75', basis: 'PE' },
            productIds: [
              { scheme: 'UPC', value: '081234501020' },
              { scheme: 'VendorPart', value: 'AH-1020-SS' },
            ],
            descriptions: [{ text: 'SKILLET, STAINLESS STEEL', qualifier: 'product' }],
            // ACK05 without ACK04: the current schedule ship date, as most guides mean it.
            schedule: [
              {
                status: 'IA',
                quantity: '48',
                unitOfMeasure: 'EA',
                date: { qualifier: 'estimatedShip', date: '2024-03-28' },
              },
            ],
            extensions: { x12: { DTM: [{ DTM01: '002', DTM02: '20240405' }] } },
          },
          {
            lineNumber: '2', // no PO101: the line's position
            status: 'IR',
            orderedQuantity: '24',
            unitOfMeasure: 'EA',
            unitPrice: { value: '18.40' },
            productIds: [{ scheme: 'UPC', value: '081234502171' }],
            notes: [{ text: 'DISCONTINUED' }],
          },
        ],
        totals: { lineCount: 2, quantityTotal: '72', totalAmount: { value: '1053.60' } },
        extensions: {
          x12: {
            BAK: { BAK06: 'REQ-7', BAK07: 'C-2024-118', BAK10: 'AD' },
            CUR: { CUR03: '0.9150' },
            PER: [{ PER07: 'EX', PER08: '12' }],
          },
        },
      });
    },
  );

  it.each([
    [
      'an acknowledgment type the model does not know',
      'BAK*00*AC*',
      'BAK*00*RV*',
      '/ackType',
      'unknown-code',
    ],
    ['no acknowledgment date (BAK09)', '*20240316*AD', '**AD', '/ackDate', 'missing-required'],
    ['a line without ACK', 'ACK*IR~', '', '/lines/1/status', 'missing-required'],
    [
      'a line status the model does not know',
      'ACK*IR',
      'ACK*R2',
      '/lines/1/status',
      'unknown-code',
    ],
  ])('refuses an 855 with %s: a MapError names the place', (_what, from, to, pointer, code) => {
    const { tree } = validateSent(sent.replace(from, to), '004010');
    const error = mapErrorOf(() => inbound.run(tree));
    expect(error).toMatchObject({ pointer, code, file: inbound.file });
  });
});
