/**
 * The 810 maps as a pair: invoice-810.yaml writes a canonical Invoice as an X12 810 tree,
 * 810-invoice.yaml reads one back. Round trips go through real X12 text (tree writer,
 * serializer, reader, validator) for 004010 and 005010, and node-x12 reads every set written.
 */
import type { Invoice } from '../canonical';
import { rewriteThroughX12 } from '../x12/testing';
import { invoice } from './fixtures/invoice.arbitrary';
import { mapErrorOf } from './fixtures/map-errors';
import { mapPair, readExample, VERSIONS } from './fixtures/round-trip';

const { outbound, inbound, schema, write, read, validateSent, roundTrip, expectRoundTrips } =
  mapPair({
    outbound: 'invoice-810',
    inbound: '810-invoice',
    transactionSet: '810',
    functionalId: 'IN',
    documentKind: 'Invoice',
  });

const example = readExample<Invoice>('invoices.json');

describe('edi-maps/maps/invoice-810.yaml and 810-invoice.yaml', () => {
  it('are found by name, with their targets', () => {
    expect(outbound.target).toBe('X12 810');
    expect(inbound.target).toBe('Invoice');
  });

  it('write the example invoice as a retail 810', () => {
    const { text } = write(example, '004010');
    expect(text.split('~').slice(0, -1)).toEqual([
      'ST*810*0001',
      'BIG*20240328*INV-2024-01877*20240315*4500012345***DI*00',
      'CUR*SE*USD',
      'REF*SI*ASN-20240328-0007',
      'REF*BM*BOL7731902',
      'N1*RI*Acme Housewares Co.*1*987654321',
      'N3*PO Box 7720',
      'N4*Columbus*OH*43207*US',
      'N1*BT*Northwind Retail Inc. Accounts Payable*1*123456789',
      'ITD*08*3*2*20240407*10*20240427*30*****2% 10 Net 30',
      'DTM*011*20240328',
      'IT1*1*48*EA*12.75*PE*UP*081234501020*VN*AH-1020-SS',
      'IT1*2*18*EA*18.40*PE*UP*081234502171*VN*AH-2170-CR',
      'IT1*3*36*EA*6.20*PE*UP*081234503390*VN*AH-3390-BB',
      'SAC*A*F800***1116*3*5*****02***Spring promotion', // SAC06 3: a percent needs a basis
      'TDS*115524*115524*113214*2310', // N2: two implied decimals
      'AMT*1*1155.24',
      'CTT*3*102',
      'SE*19*0001',
    ]);
  });

  it.each(VERSIONS)(
    'read the example back from %s with what the 810 cannot carry left out',
    (version) => {
      const lines = example.lines.map(
        ({ lineAmount: _amount, orderedQuantity: _ordered, ...line }) => line,
      );
      lines[2]!.allowancesCharges = [{ ...lines[2]!.allowancesCharges![0]!, percentBasis: '3' }];
      expect(roundTrip(example, version)).toEqual({
        ...example,
        parties: [
          { ...example.parties![0], roleCode: 'RI' },
          { ...example.parties![1], roleCode: 'BT' },
        ],
        lines,
        totals: { ...example.totals, totalAmount: { value: '1155.24' } }, // CUR02 is the currency
      });
    },
  );

  it.each(VERSIONS)(
    'carry any invoice within the maps’ contract there and back through %s X12',
    (version) => expectRoundTrips(invoice, version, 150),
  );

  it('writes canonical names as X12 codes and codes as they are', () => {
    const tree = outbound.run({
      ...example,
      invoiceType: 'credit',
      purpose: 'replace',
      parties: [
        { role: 'seller', name: 'ACME' },
        { role: 'markFor', roleCode: 'Z7', name: 'STORE 0042' },
        { role: 'other', roleCode: 'WH', name: 'DC 7' },
      ],
      dates: [
        { qualifier: 'requestedDelivery', date: '2024-04-05', time: '14:00', utcOffset: '-05:00' },
        { qualifier: '003', date: '2024-03-28' },
      ],
    }) as Record<string, any>;
    expect(tree.BIG).toMatchObject({ BIG07: 'CR', BIG08: '05' });
    expect(tree.N1Loop.map((loop: any) => loop.N1.N101)).toEqual(['SU', 'Z7', 'WH']);
    expect(tree.DTM).toEqual([
      { DTM01: '002', DTM02: '20240405', DTM03: '1400', DTM04: 'ES' },
      { DTM01: '003', DTM02: '20240328' },
    ]);
    expect(tree.CTT).toEqual({ CTT01: 3, CTT02: '102' });
  });

  it('counts the lines into CTT01 when the invoice does not give lineCount', () => {
    const { lineCount: _count, ...totals } = example.totals;
    const tree = outbound.run({ ...example, totals }) as Record<string, any>;
    expect(tree.CTT).toEqual({ CTT01: 3, CTT02: '102' });
  });

  describe('an invoice the 810 cannot carry is refused with the element named', () => {
    it.each([
      [
        'a party whose role has no code and no roleCode',
        { parties: [{ role: 'other', name: 'SOMEONE' }] },
        'unknown-code',
        '/N1Loop/0/N1/N101',
      ],
      [
        'terms of sale without the shipment method of payment (FOB01)',
        { termsOfSale: { location: 'ORIGIN', locationQualifier: 'OR' } },
        'missing-required',
        '/FOB/FOB01',
      ],
      [
        'a total with more decimals than N2 carries',
        { totals: { totalAmount: { value: '1155.245' } } },
        'decimal-out-of-range',
        '/TDS/TDS01',
      ],
      [
        'more product ids than IT1 has pairs for',
        {
          lines: [
            {
              ...example.lines[0]!,
              productIds: Array.from({ length: 11 }, (_, i) => ({ scheme: 'SKU', value: `S${i}` })),
            },
          ],
        },
        'too-many',
        '/IT1Loop/0/IT1',
      ],
    ])('%s: a MapError', (_case, change, code, pointer) => {
      const error = mapErrorOf(() => outbound.run({ ...example, ...change }));
      expect(error.code).toBe(code);
      expect(error.pointer).toBe(pointer);
      expect(error.message).toContain('invoice-810.yaml');
    });

    it('a party with neither name nor identifier: the 810 validation names N102/N103', () => {
      const tree = outbound.run({ ...example, parties: [{ role: 'buyer', roleCode: 'BY' }] });
      const { segmentErrors } = rewriteThroughX12(tree, schema('004010'));
      expect(segmentErrors).toMatchObject([{ segmentId: 'N1', loopId: 'N1' }]);
      expect(segmentErrors[0]!.elementErrors.map((error) => error.position)).toEqual(
        expect.arrayContaining([2]),
      );
    });
  });

  it('reads a supplier’s 810 and keeps what the Invoice has no place for in extensions.x12', () => {
    const text = [
      'ST*810*0001',
      'BIG*20240328*INV-88*20240315*4500012345***DI*00**INV-80',
      'NTE*GEN*THANK YOU FOR YOUR BUSINESS',
      'CUR*SE*USD',
      'REF*IA*V-20417',
      'REF*SI*ASN-7',
      'PER*IC*ACCOUNTS RECEIVABLE*TE*614-555-0100*EM*ar@acme.example',
      'N1*SU*ACME HOUSEWARES*9*9876543210001',
      'N2*ACCOUNTS RECEIVABLE',
      'N3*PO BOX 7720',
      'N4*COLUMBUS*OH*43207*USA',
      'N1*ST*GLOBEX DC 0042*UL*0614141000043',
      'ITD*01*3*2**10**30',
      'DTM*011*20240327*1630*ES',
      'FOB*PP*OR*ORIGIN',
      'IT1*1*48*EA*12.75*PE*UP*081234501020*VN*AH-1020-SS',
      'PID*F*08***STAINLESS KETTLE 1.7L****EN',
      'PID*S**VI*FL',
      'PO4*12*1*EA*CTN25*G*18.5*LB',
      'SAC*N**VI*ZZ',
      'IT1*2*18*EA*18.40*PE*UP*081234502171',
      'TDS*95352*95352*93445*1907',
      'TXI*ST*61.20*6.25*CD*OH',
      'CAD*M***ODFL*OLD DOMINION**CN*PRO123',
      'SAC*C*D240***4000**********FREIGHT',
      'CTT*2*66',
      'SE*27*0001',
    ].join('~');
    const { tree, segmentErrors } = validateSent(text, '004010');
    expect(segmentErrors).toEqual([]);
    const document = read(tree);
    expect(document).toMatchObject({
      invoiceNumber: 'INV-88',
      invoiceDate: '2024-03-28',
      shipmentId: 'ASN-7',
      references: [{ qualifier: 'IA', value: 'V-20417' }],
      notes: [{ qualifier: 'GEN', text: 'THANK YOU FOR YOUR BUSINESS' }],
      contacts: [
        {
          function: 'IC',
          name: 'ACCOUNTS RECEIVABLE',
          phone: '614-555-0100',
          email: 'ar@acme.example',
        },
      ],
      paymentTerms: [{ type: '01', basisDate: '3', discountPercent: '2', discountDays: 10 }],
      dates: [{ qualifier: 'shipped', date: '2024-03-27', time: '16:30', utcOffset: '-05:00' }],
      termsOfSale: { shipmentMethodOfPayment: 'PP', locationQualifier: 'OR', location: 'ORIGIN' },
      carrier: { transportMethod: 'M', scac: 'ODFL', routing: 'OLD DOMINION', proNumber: 'PRO123' },
      taxes: [{ type: 'ST', amount: { value: '61.20' }, percent: '6.25', jurisdiction: 'OH' }],
      allowancesCharges: [
        { indicator: 'charge', code: 'D240', amount: { value: '40.00' }, description: 'FREIGHT' },
      ],
      totals: {
        totalAmount: { value: '953.52' },
        amountSubjectToDiscount: { value: '953.52' },
        discountedAmountDue: { value: '934.45' },
        termsDiscountAmount: { value: '19.07' },
        lineCount: 2,
        quantityTotal: '66',
      },
    });
    expect(document.parties![0]).toEqual({
      role: 'seller',
      roleCode: 'SU',
      name: 'ACME HOUSEWARES',
      identifiers: [{ scheme: 'DUNS+4', value: '9876543210001' }],
      address: {
        lines: ['ACCOUNTS RECEIVABLE', 'PO BOX 7720'],
        city: 'COLUMBUS',
        region: 'OH',
        postalCode: '43207',
        country: 'US',
      },
    });
    expect(document.lines[0]).toMatchObject({
      descriptions: [
        { text: 'STAINLESS KETTLE 1.7L', qualifier: 'product', language: 'en' },
        { text: 'FL' }, // a coded description (PID04) without text reads as its code
      ],
      packaging: {
        pack: 12,
        size: '1',
        unitOfMeasure: 'EA',
        packagingCode: 'CTN25',
        weight: { value: '18.5', unitOfMeasure: 'LB' },
      },
      // The code list of PID04 (PID03) and SAC*N (no allowance or charge) have no place.
      extensions: {
        x12: {
          PIDLoop: [{}, { PID: { PID03: 'VI' } }],
          SACLoop: [{ SAC: { SAC01: 'N', SAC03: 'VI', SAC04: 'ZZ' } }],
        },
      },
    });
    // BIG10 (the invoice a credit refers to) has no canonical place either.
    expect(document.extensions).toEqual({ x12: { BIG: { BIG10: 'INV-80' } } });
  });
});
