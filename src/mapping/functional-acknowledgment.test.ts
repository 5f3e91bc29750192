/**
 * The functional acknowledgment maps: functional-acknowledgment-997.yaml and -999.yaml write a
 * canonical FunctionalAcknowledgment as an X12 997 (004010 and 005010) or 999 (005010X231A1),
 * 997- and 999-functional-acknowledgment.yaml read one back. Round trips go through real X12
 * text, and node-x12 reads every set written.
 */
import type { FunctionalAcknowledgment } from '../canonical';
import { functionalAcknowledgment } from './fixtures/functional-acknowledgment.arbitrary';
import { mapErrorOf } from './fixtures/map-errors';
import { mapPair, readExample } from './fixtures/round-trip';
import { MapError } from './index';

/** The 997 is written for both versions; the 999 exists from 005010 on. */
const ROUTES = [
  { set: '997', version: '004010' },
  { set: '997', version: '005010' },
  { set: '999', version: '005010' },
] as const;

const pairOf = (set: '997' | '999') =>
  mapPair({
    outbound: `functional-acknowledgment-${set}`,
    inbound: `${set}-functional-acknowledgment`,
    transactionSet: set,
    functionalId: 'FA',
    documentKind: 'FunctionalAcknowledgment',
  });
const maps = { '997': pairOf('997'), '999': pairOf('999') };

const example = readExample<FunctionalAcknowledgment>('functional-acknowledgments.json');

/** A group with errors at every level, as our validator reports them for a partner's 850s. */
const rejection: FunctionalAcknowledgment = {
  acknowledgedGroup: { functionalIdentifierCode: 'PO', groupControlNumber: '1001' },
  transactionSets: [
    {
      transactionSetId: '850',
      controlNumber: '0001',
      status: 'R',
      errorCodes: ['5'],
      segmentErrors: [
        {
          segmentId: 'BEG',
          position: 2,
          code: '8',
          elementErrors: [
            { position: 5, elementReference: 373, code: '8', badValue: '20240231' },
            { position: 2, componentPosition: 1, code: '7', badValue: 'QQ' },
          ],
        },
        { segmentId: 'PO1', position: 9, loopId: 'PO1', code: '3' },
      ],
    },
    { transactionSetId: '850', controlNumber: '0002', status: 'A' },
  ],
  groupStatus: 'P',
  counts: { transactionSetsIncluded: 2, transactionSetsReceived: 2, transactionSetsAccepted: 1 },
};

describe('functional acknowledgment maps', () => {
  it('are found by name, with their targets', () => {
    expect(maps['997'].outbound.target).toBe('X12 997');
    expect(maps['999'].outbound.target).toBe('X12 999');
    expect(maps['997'].inbound.target).toBe('FunctionalAcknowledgment');
    expect(maps['999'].inbound.target).toBe('FunctionalAcknowledgment');
  });

  it('write a rejection as a 997 and as a 999', () => {
    expect(maps['997'].write(rejection, '004010').text.split('~').slice(0, -1)).toEqual([
      'ST*997*0001',
      'AK1*PO*1001',
      'AK2*850*0001',
      'AK3*BEG*2**8',
      'AK4*5*373*8*20240231',
      'AK4*2:1**7*QQ',
      'AK3*PO1*9*PO1*3',
      'AK5*R*5',
      'AK2*850*0002',
      'AK5*A',
      'AK9*P*2*2*1',
      'SE*12*0001',
    ]);
    expect(maps['999'].write(rejection, '005010').text.split('~').slice(0, -1)).toEqual([
      'ST*999*0001*005010X231A1',
      'AK1*PO*1001',
      'AK2*850*0001',
      'IK3*BEG*2**8',
      'IK4*5*373*8*20240231',
      'IK4*2:1**7*QQ',
      'IK3*PO1*9*PO1*3',
      'IK5*R*5',
      'AK2*850*0002',
      'IK5*A',
      'AK9*P*2*2*1',
      'SE*12*0001',
    ]);
  });

  it.each(ROUTES)('read the rejection back from a $version $set as it was', ({ set, version }) => {
    expect(maps[set].roundTrip(rejection, version)).toEqual(rejection);
  });

  it.each(ROUTES)('read the example back from a $version $set', ({ set, version }) => {
    // AK103, the acknowledged group's version, exists in the 999 only (and 005010's 997).
    const { version: _version, ...group } = example.acknowledgedGroup;
    expect(maps[set].roundTrip(example, version)).toEqual(
      set === '999' ? example : { ...example, acknowledgedGroup: group },
    );
  });

  it.each(ROUTES)(
    'carry any acknowledgment a $set holds there and back through $version X12',
    ({ set, version }) => maps[set].expectRoundTrips(functionalAcknowledgment(set), version, 150),
  );

  it('writes an element error’s repetition in the third component of IK401, empty ones kept', () => {
    const ack: FunctionalAcknowledgment = {
      ...rejection,
      transactionSets: [
        {
          transactionSetId: '850',
          controlNumber: '0001',
          status: 'R',
          segmentErrors: [
            {
              segmentId: 'REF',
              position: 4,
              code: '8',
              elementErrors: [{ position: 4, repetition: 2, code: 'I12' }],
            },
          ],
        },
      ],
    };
    const { text, tree } = maps['999'].write(ack, '005010');
    expect(text).toContain('~IK4*4::2**I12~');
    expect(maps['999'].read(tree).transactionSets![0]!.segmentErrors![0]!.elementErrors).toEqual([
      { position: 4, repetition: 2, code: 'I12' },
    ]);
  });

  it('refuses a 999 segment error without its code (IK304 is required), naming the element', () => {
    const { code: _code, ...withoutCode } = rejection.transactionSets![0]!.segmentErrors![1]!;
    const ack = {
      ...rejection,
      transactionSets: [{ ...rejection.transactionSets![0]!, segmentErrors: [withoutCode] }],
    };
    const error = mapErrorOf(() => maps['999'].outbound.run(ack));
    expect(error).toBeInstanceOf(MapError);
    expect(error.code).toBe('missing-required');
    expect(error.pointer).toBe('/AK2Loop/0/IK3Loop/0/IK3/IK304');
    // The 997 leaves AK304 out.
    expect(() => maps['997'].write(ack, '004010')).not.toThrow();
  });

  it('keeps a partner’s 999 CTX context, which the canonical document has no place for', () => {
    const text = [
      'ST*999*0001*005010X231A1',
      'AK1*SH*17456*005010',
      'AK2*856*000000001',
      'IK3*LIN*8*HL*8',
      'CTX*PO:4500012345',
      'IK4*2*235*7*ZZZ',
      'IK5*R*5',
      'AK9*R*1*1*0',
      'SE*9*0001',
    ].join('~');
    const { tree, segmentErrors } = maps['999'].validateSent(text, '005010');
    expect(segmentErrors).toEqual([]);
    expect(maps['999'].read(tree)).toEqual({
      acknowledgedGroup: {
        functionalIdentifierCode: 'SH',
        groupControlNumber: '17456',
        version: '005010',
      },
      transactionSets: [
        {
          transactionSetId: '856',
          controlNumber: '000000001',
          status: 'R',
          errorCodes: ['5'],
          segmentErrors: [
            {
              segmentId: 'LIN',
              position: 8,
              loopId: 'HL',
              code: '8',
              elementErrors: [{ position: 2, elementReference: 235, code: '7', badValue: 'ZZZ' }],
            },
          ],
        },
      ],
      groupStatus: 'R',
      counts: {
        transactionSetsIncluded: 1,
        transactionSetsReceived: 1,
        transactionSetsAccepted: 0,
      },
      extensions: {
        x12: { AK2Loop: [{ IK3Loop: [{ CTX: [{ CTX01: ['PO', '4500012345'] }] }] }] },
      },
    });
  });
});
