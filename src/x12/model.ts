/**
 * The shapes every part of src/x12 shares. X12 names are kept (ISA13, GS06, ST02, AK304)
 * wherever the code speaks X12.
 */

/** The separators of one interchange, read from its ISA segment, never assumed. */
export interface Delimiters {
  /** ISA byte 4 (usually `*`). */
  element: string;
  /** ISA16 (usually `:` or `>`). */
  component: string;
  /** ISA11 from version 00402 on (usually `^`); null before, where ISA11 is the standards id `U`. */
  repetition: string | null;
  /** The byte right after ISA16 (usually `~`). */
  segment: string;
}

/** One segment as read: its id and its elements, `elements[0]` being XX01. */
export interface Segment {
  id: string;
  /** Raw element values, unsplit: composites and repetitions keep their separators. */
  elements: string[];
  /** Byte offset of the segment's first byte in the whole input (for operators). */
  offset: number;
}

/** X12 transaction-set syntax error, as reported in AK3/IK3 (AK304/IK304 codes). */
export interface SegmentError {
  segmentId: string;
  /** Ordinal position in the transaction set, ST being 1 (AK302/IK302). */
  position: number;
  /** Loop identifier of the bounding loop, when in a loop (AK303/IK303). */
  loopId?: string;
  /**
   * AK304/IK304: 1 unrecognized segment ID, 2 unexpected segment, 3 required segment missing,
   * 4 loop occurs over maximum times, 5 segment exceeds maximum use, 6 segment not in defined
   * transaction set, 7 segment not in proper sequence, 8 segment has data element errors;
   * 999 adds I4 implementation "not used" segment present, I6 implementation dependent
   * segment missing, I7 implementation loop occurs under minimum times, I8 implementation
   * segment below minimum use, I9 implementation dependent "not used" segment present.
   */
  code: string;
  elementErrors: ElementError[];
}

/** X12 data element error, as reported in AK4/IK4 (AK403/IK403 codes). */
export interface ElementError {
  /** AK401/IK401-1: position of the element in the segment (1-based). */
  position: number;
  /** AK401-2/IK401-2: component position within a composite, when it applies. */
  componentPosition?: number;
  /** IK401-3: repetition, when it applies (005010). */
  repetition?: number;
  /** AK402/IK402: the element's reference number from the dictionary, e.g. 353. */
  reference?: string;
  /**
   * AK403/IK403: 1 required data element missing, 2 conditional required data element
   * missing, 3 too many data elements, 4 data element too short, 5 data element too long,
   * 6 invalid character in data element, 7 invalid code value, 8 invalid date, 9 invalid
   * time, 10 exclusion condition violated, 12 too many repetitions, 13 too many components;
   * 999 adds I10 implementation "not used" data element present, I11 implementation too few
   * repetitions, I12 implementation pattern match failure, I13 implementation dependent "not
   * used" data element present, I6 code value not used in implementation, I9 implementation
   * dependent data element missing.
   */
  code: string;
  /** AK404/IK404: a copy of the bad value (up to 99 characters), when there is one. */
  badValue?: string;
}

/** The ISA segment of an interchange, read and checked. */
export interface InterchangeHeader {
  authorizationQualifier: string; // ISA01
  authorization: string; // ISA02
  securityQualifier: string; // ISA03
  security: string; // ISA04
  senderQualifier: string; // ISA05
  senderId: string; // ISA06, trailing spaces trimmed
  receiverQualifier: string; // ISA07
  receiverId: string; // ISA08, trailing spaces trimmed
  date: string; // ISA09 YYMMDD
  time: string; // ISA10 HHMM
  /** ISA11: the repetition separator from 00402 on, the standards identifier `U` before. */
  repetitionOrStandardsId: string;
  version: string; // ISA12, e.g. 00401, 00501
  controlNumber: string; // ISA13, nine digits as sent
  ackRequested: string; // ISA14, 0 or 1
  usage: string; // ISA15, P production, T test, I information
  delimiters: Delimiters;
  /** Byte offset of the ISA in the input. */
  offset: number;
}

/** The GS segment of a functional group. */
export interface FunctionalGroupHeader {
  functionalId: string; // GS01, e.g. PO, IN, SH, PR, FA
  applicationSender: string; // GS02
  applicationReceiver: string; // GS03
  date: string; // GS04 CCYYMMDD
  time: string; // GS05
  controlNumber: string; // GS06
  agency: string; // GS07, X
  version: string; // GS08, e.g. 004010, 005010, 005010X231A1
  offset: number;
}

/**
 * A transaction set arranged by its schema, the input of the maps in edi-maps/:
 * - a segment is an object keyed by element ids with two-digit positions (`BEG01`, `BEG03`);
 *   empty elements are left out; a simple element is a string; a composite element is an
 *   array of its component strings (index 0 is component 1, empty components are '');
 * - a segment or loop the schema allows more than once is always an array, even with one
 *   occurrence; one allowed at most once is a single object;
 * - a loop is keyed `<loop id>Loop` (e.g. `N1Loop`, `PO1Loop`, `HLLoop`) and each entry is an
 *   object holding the loop's segments and inner loops by the same rules.
 */
export type TransactionSetTree = { [key: string]: TreeValue };
export type TreeValue = SegmentNode | SegmentNode[] | TransactionSetTree | TransactionSetTree[];
export type SegmentNode = { [elementId: string]: string | string[] };
