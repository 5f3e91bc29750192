/**
 * Writes segments as X12 text, and wraps transaction sets in their envelopes with every count
 * and control number filled in from the content (ISA/IEA, GS/GE, SE01/SE02), so callers cannot
 * get them wrong.
 *
 * HOT PATH, written for speed on purpose: every outbound document and acknowledgment passes
 * here. One string append per element, values checked in a char-code loop (no regexes, no
 * search calls per value), envelopes appended into one list rather than copying each set.
 * Guarded by bench/x12-generate.ts (rows "crossdock envelope + serialise" and "crossdock full
 * path") and bench/x12.ts, which times it as it writes its files.
 *
 * Values are written as given: composites and repetitions keep their separators. A value
 * holding the element separator or the segment terminator cannot be written in X12 (there is
 * no escape) and throws, as does a malformed envelope spec: both are the caller's mistakes.
 * Dates and times are written in UTC.
 */
import type { Delimiters, Segment } from './model';

/** A segment to write: what `Segment` holds, without the read offset. */
export type SegmentData = Pick<Segment, 'id' | 'elements'>;

/**
 * Joins segments with the interchange's delimiters; `lineEnding` (e.g. `\r\n`) follows each
 * terminator. Trailing empty elements are left out (X12.6: no trailing element separators).
 */
export function serializeSegments(
  segments: readonly SegmentData[],
  delimiters: Delimiters,
  lineEnding = '',
): string {
  const { element, segment: terminator } = delimiters;
  const end = terminator + lineEnding;
  const isSingleCharacter = element.length === 1 && terminator.length === 1;
  const elementCode = element.charCodeAt(0);
  const terminatorCode = terminator.charCodeAt(0);
  let out = '';
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s]!;
    const elements = segment.elements;
    const last = lastWritten(elements);
    checkValue(segment.id, segment, 0, delimiters, isSingleCharacter, elementCode, terminatorCode);
    out += segment.id;
    for (let i = 0; i < last; i++) {
      const value = elements[i]!;
      checkValue(value, segment, i + 1, delimiters, isSingleCharacter, elementCode, terminatorCode);
      out += element;
      out += value;
    }
    out += end;
  }
  return out;
}

/**
 * serializeSegments as UTF-8 bytes: the same bytes as `Buffer.from(serializeSegments(...))`.
 * HOT (bench/x12-generate.ts, row "crossdock full path"): X12 text is nearly always ASCII, so
 * each value is checked and copied into an exactly sized buffer in one char-code loop, without
 * a string that would then be flattened and encoded. A non-ASCII character, or a delimiter or
 * line ending that is not ASCII, takes the string way.
 */
export function serializeSegmentsToBuffer(
  segments: readonly SegmentData[],
  delimiters: Delimiters,
  lineEnding = '',
): Buffer {
  const { element, segment: terminator } = delimiters;
  const end = terminator + lineEnding;
  if (element.length !== 1 || terminator.length !== 1 || !isAscii(element) || !isAscii(end)) {
    return Buffer.from(serializeSegments(segments, delimiters, lineEnding), 'utf8');
  }
  const elementCode = element.charCodeAt(0);
  const terminatorCode = terminator.charCodeAt(0);
  let size = 0;
  for (let s = 0; s < segments.length; s++) {
    const { id, elements } = segments[s]!;
    const last = lastWritten(elements);
    size += id.length + last + end.length;
    for (let i = 0; i < last; i++) size += elements[i]!.length;
  }
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s]!;
    const elements = segment.elements;
    const last = lastWritten(elements);
    at = copyAscii(segment.id, bytes, at, elementCode, terminatorCode);
    if (at < 0) return writtenAsString(at, segment, 0, segments, delimiters, lineEnding);
    for (let i = 0; i < last; i++) {
      bytes[at++] = elementCode;
      at = copyAscii(elements[i]!, bytes, at, elementCode, terminatorCode);
      if (at < 0) return writtenAsString(at, segment, i + 1, segments, delimiters, lineEnding);
    }
    for (let i = 0; i < end.length; i++) bytes[at++] = end.charCodeAt(i);
  }
  return bytes;
}

const NOT_ASCII = -1;
const HOLDS_DELIMITER = -2;

/** Copies an ASCII value; NOT_ASCII or HOLDS_DELIMITER instead of the next position. */
function copyAscii(
  value: string,
  bytes: Buffer,
  at: number,
  elementCode: number,
  terminatorCode: number,
): number {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x80) return NOT_ASCII;
    if (code === elementCode || code === terminatorCode) return HOLDS_DELIMITER;
    bytes[at++] = code;
  }
  return at;
}

/** What serializeSegmentsToBuffer does when a value stops its ASCII copy. */
function writtenAsString(
  stop: number,
  segment: SegmentData,
  position: number,
  segments: readonly SegmentData[],
  delimiters: Delimiters,
  lineEnding: string,
): Buffer {
  if (stop === HOLDS_DELIMITER) {
    throw delimiterInside(
      position === 0 ? segment.id : segment.elements[position - 1]!,
      segment,
      position,
    );
  }
  return Buffer.from(serializeSegments(segments, delimiters, lineEnding), 'utf8');
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** How many elements are written: trailing empty ones are not (X12.6). */
function lastWritten(elements: readonly string[]): number {
  let last = elements.length;
  while (last > 0 && elements[last - 1] === '') last--;
  return last;
}

export interface InterchangeSpec {
  sender: { qualifier: string; id: string }; // ISA05, ISA06
  receiver: { qualifier: string; id: string }; // ISA07, ISA08
  /** ISA13/IEA02, 0..999999999; zero-padded to nine digits. */
  controlNumber: number | string;
  /** ISA12, e.g. `00401`, `00501`; from `00402` on ISA11 is `delimiters.repetition`. */
  version: string;
  usage: 'P' | 'T' | 'I'; // ISA15
  ackRequested: boolean; // ISA14
  delimiters: Delimiters;
  /** ISA09/ISA10 and GS04/GS05, in UTC. */
  now: Date;
  groups: FunctionalGroupSpec[];
  /** A TA1 acknowledging an earlier interchange, written after the ISA. */
  ta1?: SegmentData;
  /** ISA01/ISA02 and ISA03/ISA04; default `00` and blanks. */
  authorization?: { qualifier: string; value: string };
  security?: { qualifier: string; value: string };
}

export interface FunctionalGroupSpec {
  functionalId: string; // GS01, e.g. PO, IN, SH, FA
  applicationSender: string; // GS02
  applicationReceiver: string; // GS03
  /** GS06/GE02, 1..999999999. */
  controlNumber: number | string;
  version: string; // GS08, e.g. 004010
  agency?: string; // GS07, default X
  /**
   * Each set from ST to its last content segment; a trailing SE may be given or not, it is
   * (re)written either way. An empty ST02 becomes the set's position in the group (0001, ...).
   */
  transactionSets: SegmentData[][];
}

/** The whole interchange as segments: ISA, [TA1], GS, ST..SE..., GE, ..., IEA. */
export function wrapInterchange(spec: InterchangeSpec): SegmentData[] {
  const { delimiters, version, now } = spec;
  checkDelimiters(delimiters);
  if (!/^\d{5}$/.test(version))
    throw new RangeError(`ISA12 version must be 5 digits: '${version}'`);
  if (version >= '00402' && delimiters.repetition === null) {
    throw new RangeError(`version ${version} needs a repetition separator (ISA11)`);
  }
  const controlNumber = controlNumberText(spec.controlNumber, 'ISA13').padStart(9, '0');
  const authorization = spec.authorization ?? { qualifier: '00', value: '' };
  const security = spec.security ?? { qualifier: '00', value: '' };
  const isa: SegmentData = {
    id: 'ISA',
    elements: [
      fixed(authorization.qualifier, 2, 'ISA01'),
      fixed(authorization.value, 10, 'ISA02'),
      fixed(security.qualifier, 2, 'ISA03'),
      fixed(security.value, 10, 'ISA04'),
      fixed(spec.sender.qualifier, 2, 'ISA05'),
      fixed(spec.sender.id, 15, 'ISA06'),
      fixed(spec.receiver.qualifier, 2, 'ISA07'),
      fixed(spec.receiver.id, 15, 'ISA08'),
      formatYymmdd(now),
      formatHhmm(now),
      version >= '00402' ? delimiters.repetition! : 'U',
      version,
      controlNumber,
      spec.ackRequested ? '1' : '0',
      spec.usage,
      delimiters.component,
    ],
  };
  const segments: SegmentData[] = [isa];
  if (spec.ta1) segments.push(spec.ta1);
  for (const group of spec.groups) appendGroup(group, now, segments);
  segments.push({ id: 'IEA', elements: [String(spec.groups.length), controlNumber] });
  return segments;
}

function appendGroup(group: FunctionalGroupSpec, now: Date, segments: SegmentData[]): void {
  const controlNumber = controlNumberText(group.controlNumber, 'GS06');
  segments.push({
    id: 'GS',
    elements: [
      group.functionalId,
      group.applicationSender,
      group.applicationReceiver,
      formatCcyymmdd(now),
      formatHhmm(now),
      controlNumber,
      group.agency ?? 'X',
      group.version,
    ],
  });
  const sets = group.transactionSets;
  for (let index = 0; index < sets.length; index++)
    appendTransactionSet(sets[index]!, index, segments);
  segments.push({ id: 'GE', elements: [String(sets.length), controlNumber] });
}

function appendTransactionSet(set: SegmentData[], index: number, segments: SegmentData[]): void {
  const st = set[0];
  if (!st || st.id !== 'ST')
    throw new RangeError(`transaction set ${index + 1} must start with ST`);
  const stControl = st.elements[1] || String(index + 1).padStart(4, '0');
  const bodyEnd = set[set.length - 1]?.id === 'SE' && set.length > 1 ? set.length - 1 : set.length;
  segments.push({
    id: 'ST',
    elements: [st.elements[0] ?? '', stControl, ...st.elements.slice(2)],
  });
  for (let i = 1; i < bodyEnd; i++) segments.push(set[i]!);
  // X12.6: SE01 counts every segment of the set, ST and SE included.
  segments.push({ id: 'SE', elements: [String(bodyEnd + 1), stControl] });
}

/** YYMMDD in UTC (ISA09, TA102). */
export function formatYymmdd(date: Date): string {
  return formatCcyymmdd(date).slice(2);
}

/** CCYYMMDD in UTC (GS04). */
export function formatCcyymmdd(date: Date): string {
  return (
    String(date.getUTCFullYear()).padStart(4, '0') +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate())
  );
}

/** HHMM in UTC (ISA10, GS05, TA103). */
export function formatHhmm(date: Date): string {
  return two(date.getUTCHours()) + two(date.getUTCMinutes());
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function fixed(value: string, width: number, name: string): string {
  if (value.length > width) throw new RangeError(`${name} '${value}' is longer than ${width}`);
  return value.padEnd(width, ' ');
}

function controlNumberText(value: number | string, name: string): string {
  const text = typeof value === 'number' ? String(value) : value;
  if (!/^\d{1,9}$/.test(text)) throw new RangeError(`${name} must be 1 to 9 digits: '${value}'`);
  return text;
}

function checkDelimiters(delimiters: Delimiters): void {
  const all = [delimiters.element, delimiters.component, delimiters.segment];
  if (delimiters.repetition !== null) all.push(delimiters.repetition);
  if (all.some((d) => d.length !== 1) || new Set(all).size !== all.length) {
    throw new RangeError(
      `delimiters must be distinct single characters: ${JSON.stringify(delimiters)}`,
    );
  }
}

/**
 * A value holding the element separator or the terminator cannot be written. Single-character
 * delimiters (every interchange's) are looked for in a char-code loop: for the short values of
 * X12 that is cheaper than a native search call per delimiter.
 */
function checkValue(
  value: string,
  segment: SegmentData,
  position: number,
  delimiters: Delimiters,
  isSingleCharacter: boolean,
  elementCode: number,
  terminatorCode: number,
): void {
  if (isSingleCharacter) {
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code === elementCode || code === terminatorCode)
        throw delimiterInside(value, segment, position);
    }
  } else if (value.includes(delimiters.element) || value.includes(delimiters.segment)) {
    throw delimiterInside(value, segment, position);
  }
}

function delimiterInside(value: string, segment: SegmentData, position: number): RangeError {
  return new RangeError(
    `${segment.id}${String(position).padStart(2, '0')} holds a delimiter and cannot be written: ${JSON.stringify(value)}`,
  );
}
