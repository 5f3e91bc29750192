/**
 * 997 Functional Acknowledgment and 999 Implementation Acknowledgment (X12.231) builders: the
 * ST..SE of one ack for one received functional group, from the validator's and the envelope's
 * errors. Every code is one of the ack's own version's lists (a 997 for a 004010 group uses the
 * 004010 lists), and every value fits its element, so the ack validates against edi-maps'
 * 997/999 schemas. 999-only implementation codes (I4.., I5, I6..) never reach a 997.
 */
import type { Delimiters, ElementError, FunctionalGroupHeader, SegmentError } from './model';

export interface FunctionalAckSet {
  setId: string; // ST01 → AK201
  controlNumber: string; // ST02 → AK202
  implementationRef?: string; // ST03 → AK203, from 005010 on
  segmentErrors: SegmentError[];
  /** AK502../IK502.. codes found by the envelope (2, 3, 4, 6, 7, 23...; 1 when no schema). */
  setErrors: string[];
}

export interface FunctionalAckInput {
  kind: '997' | '999';
  /** The acknowledged group; its GS08 decides the ack's version and code lists. */
  group: FunctionalGroupHeader;
  /** ST02 of the ack. */
  controlNumber: string;
  /** The separators the ack will be serialized with: composites are joined, values cleaned. */
  delimiters: Delimiters;
  /** One entry per received set; sets left out are counted as accepted. */
  sets: FunctionalAckSet[];
  /** AK905.. codes (3, 4, 5, 6, 19...). Any makes AK901 R. */
  groupErrors: string[];
  /** AK903. */
  receivedSetCount: number;
  /** AK902, the group's GE01 when it has one; receivedSetCount otherwise. */
  includedSetCount?: number;
}

export interface AckSegment {
  id: string;
  elements: string[];
}

export type SetAcknowledgmentCode = 'A' | 'E' | 'R';
export type GroupAcknowledgmentCode = 'A' | 'E' | 'P' | 'R';

interface CodeLists {
  segment: ReadonlySet<string>; // AK304 / IK304
  element: ReadonlySet<string>; // AK403 / IK403
  set: ReadonlySet<string>; // AK502 / IK502
  group: ReadonlySet<string>; // AK905
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
const lists = {
  '997-004010': {
    segment: new Set(range(1, 8)),
    element: new Set(range(1, 10)),
    set: new Set([...range(1, 13), ...range(15, 17), ...range(19, 27)]),
    group: new Set([...range(1, 6), ...range(10, 26)]),
  },
  '997-005010': {
    segment: new Set(range(1, 8)),
    element: new Set([...range(1, 10), '12', '13']),
    set: new Set([...range(1, 13), ...range(15, 19), ...range(23, 27)]),
    group: new Set([...range(1, 19), ...range(23, 26)]),
  },
  '999-005010': {
    segment: new Set([...range(1, 8), 'I4', 'I6', 'I7', 'I8', 'I9']),
    element: new Set([...range(1, 10), '12', '13', 'I6', 'I9', 'I10', 'I11', 'I12', 'I13']),
    set: new Set([...range(1, 13), ...range(15, 19), ...range(23, 27), 'I5', 'I6']),
    group: new Set([...range(1, 19), ...range(23, 26)]),
  },
} satisfies Record<string, CodeLists>;

const isImplementationCode = (code: string) => code.startsWith('I');

/** The 997/999 flavour acknowledging a group of `version` (GS08). */
function ackProfile(kind: '997' | '999', version: string) {
  const isBefore5010 = version.slice(0, 6) < '005010';
  const codes: CodeLists =
    kind === '999' ? lists['999-005010'] : isBefore5010 ? lists['997-004010'] : lists['997-005010'];
  return {
    kind,
    codes,
    // 004010's C030 has no repetition, its AK1/AK2 no version or convention reference.
    hasVersionElements: kind === '999' || !isBefore5010,
    maxSegmentPosition: isBefore5010 && kind === '997' ? 999_999 : 9_999_999_999,
    maxLoopIdLength: isBefore5010 && kind === '997' ? 6 : 4,
  };
}
type AckProfile = ReturnType<typeof ackProfile>;

/** The segment errors an ack of `profile` reports: its codes only, AK4/IK4s capped at 99. */
function reportableErrors(errors: SegmentError[], profile: AckProfile): SegmentError[] {
  const reportable: SegmentError[] = [];
  for (const error of errors) {
    if (!profile.codes.segment.has(error.code)) continue;
    const elementErrors: ElementError[] = [];
    for (const element of error.elementErrors) {
      // 004010 has no code for too many repetitions or components: the separator is an
      // invalid character there.
      const code = profile.codes.element.has(element.code)
        ? element.code
        : !isImplementationCode(element.code)
          ? '6'
          : undefined;
      if (code !== undefined && elementErrors.length < 99) elementErrors.push({ ...element, code });
    }
    if (error.code === '8' && elementErrors.length === 0) continue;
    reportable.push({ ...error, elementErrors });
  }
  return reportable;
}

/** A syntax error rejects the set; only implementation findings leave it accepted with errors. */
function isFatal(error: SegmentError): boolean {
  if (isImplementationCode(error.code)) return false;
  if (error.code !== '8') return true;
  return error.elementErrors.some((element) => !isImplementationCode(element.code));
}

/** AK501/IK501 and its AK502..AK506 reasons, as the ack of `kind` for a `version` group says. */
export function setAcceptance(
  kind: '997' | '999',
  version: string,
  set: Pick<FunctionalAckSet, 'segmentErrors' | 'setErrors'>,
): { code: SetAcknowledgmentCode; reasons: string[] } {
  const profile = ackProfile(kind, version);
  return acceptanceOf(profile, reportableErrors(set.segmentErrors, profile), set.setErrors);
}

function acceptanceOf(
  profile: AckProfile,
  errors: SegmentError[],
  setErrors: string[],
): { code: SetAcknowledgmentCode; reasons: string[] } {
  const isRejected = errors.some(isFatal);
  const reasons = setErrors.filter((code) => profile.codes.set.has(code));
  if (isRejected) reasons.push('5');
  else if (errors.length > 0 && profile.kind === '999') reasons.push('I5');
  const unique = [...new Set(reasons)].slice(0, 5);
  if (isRejected || setErrors.some((code) => !isImplementationCode(code))) {
    return { code: 'R', reasons: unique };
  }
  return { code: unique.length > 0 ? 'E' : 'A', reasons: unique };
}

/** AK901 and AK904 from the sets' acceptance. */
export function groupAcceptance(
  setCodes: SetAcknowledgmentCode[],
  receivedSetCount: number,
  groupErrors: string[],
): { code: GroupAcknowledgmentCode; accepted: number } {
  const rejected = setCodes.filter((code) => code === 'R').length;
  const accepted = Math.max(0, receivedSetCount - rejected);
  if (groupErrors.length > 0 || accepted === 0) return { code: 'R', accepted };
  if (accepted < receivedSetCount) return { code: 'P', accepted };
  return { code: setCodes.includes('E') ? 'E' : 'A', accepted };
}

/** The ack's segments, ST to SE, elements as strings ready for the serializer. */
export function buildFunctionalAck(input: FunctionalAckInput): AckSegment[] {
  const { kind, group, delimiters } = input;
  const profile = ackProfile(kind, group.version);
  const text = (value: string) => cleanText(value, delimiters);
  const segments: AckSegment[] = [{ id: 'ST', elements: [kind, input.controlNumber] }];
  const ak1 = [text(group.functionalId), text(group.controlNumber)];
  if (profile.hasVersionElements) ak1.push(text(group.version));
  segments.push({ id: 'AK1', elements: ak1 });

  const setCodes: SetAcknowledgmentCode[] = [];
  for (const set of input.sets) {
    const ak2 = [text(set.setId), text(set.controlNumber)];
    if (profile.hasVersionElements && set.implementationRef) ak2.push(text(set.implementationRef));
    segments.push({ id: 'AK2', elements: ak2 });
    const errors = reportableErrors(set.segmentErrors, profile);
    for (const error of errors) segments.push(...errorSegments(error, profile, delimiters));
    const acceptance = acceptanceOf(profile, errors, set.setErrors);
    setCodes.push(acceptance.code);
    segments.push({
      id: kind === '999' ? 'IK5' : 'AK5',
      elements: [acceptance.code, ...acceptance.reasons],
    });
  }

  const groupCodes = input.groupErrors.filter((code) => profile.codes.group.has(code)).slice(0, 5);
  const { code, accepted } = groupAcceptance(setCodes, input.receivedSetCount, input.groupErrors);
  const count = (n: number) => String(Math.min(Math.max(0, Math.trunc(n)), 999_999)); // N0 1/6
  segments.push({
    id: 'AK9',
    elements: [
      code,
      count(input.includedSetCount ?? input.receivedSetCount),
      count(input.receivedSetCount),
      count(accepted),
      ...groupCodes,
    ],
  });
  // X12.6: SE01 counts every segment of the set, ST and SE included.
  segments.push({ id: 'SE', elements: [String(segments.length + 1), input.controlNumber] });
  return segments.map((segment) => ({ id: segment.id, elements: trimTrailing(segment.elements) }));
}

function errorSegments(
  error: SegmentError,
  profile: AckProfile,
  delimiters: Delimiters,
): AckSegment[] {
  const segmentId = cleanId(error.segmentId).slice(0, 3);
  // An id that cannot be written as AK301 (ID 2/3) is left out; AK5's 5 still says why.
  if (segmentId.length < 2) return [];
  const loopId = cleanId(error.loopId ?? '').slice(0, profile.maxLoopIdLength);
  const position = String(Math.min(error.position, profile.maxSegmentPosition));
  const note = profile.kind === '999' ? 'IK3' : 'AK3';
  const found: AckSegment[] = [{ id: note, elements: [segmentId, position, loopId, error.code] }];
  for (const element of error.elementErrors) {
    const where = [String(Math.min(element.position, 99))];
    if (element.componentPosition !== undefined || element.repetition !== undefined) {
      where.push(
        element.componentPosition !== undefined
          ? String(Math.min(element.componentPosition, 99))
          : '',
      );
    }
    if (element.repetition !== undefined && profile.hasVersionElements) {
      where.push(String(Math.min(element.repetition, 9999)));
    }
    const reference =
      element.reference !== undefined && /^[0-9]{1,4}$/.test(element.reference)
        ? element.reference
        : '';
    found.push({
      id: profile.kind === '999' ? 'IK4' : 'AK4',
      elements: [
        trimTrailing(where).join(delimiters.component),
        reference,
        element.code,
        cleanText(element.badValue ?? '', delimiters)
          .slice(0, 99)
          .trim(),
      ],
    });
  }
  return found;
}

/** Upper-case letters and digits only, at most 3 (segment ids) or the loop id's maximum. */
function cleanId(value: string): string {
  let clean = '';
  for (const char of value.toUpperCase()) {
    if ((char >= 'A' && char <= 'Z') || (char >= '0' && char <= '9')) clean += char;
  }
  return clean.slice(0, 6);
}

/** A value copied from the input, without separators or control characters. */
function cleanText(value: string, delimiters: Delimiters): string {
  const separators = [
    delimiters.element,
    delimiters.component,
    delimiters.segment,
    delimiters.repetition,
  ];
  let clean = '';
  for (const char of value) {
    const code = char.charCodeAt(0);
    if (code >= 0x20 && code !== 0x7f && !separators.includes(char)) clean += char;
  }
  return clean;
}

function trimTrailing(elements: string[]): string[] {
  let end = elements.length;
  while (end > 0 && elements[end - 1] === '') end--;
  return end === elements.length ? elements : elements.slice(0, end);
}
