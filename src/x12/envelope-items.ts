/** What the envelope reader (envelope.ts) yields, item by item. */
import type { Ta1Error } from './envelope-headers';
import type { FunctionalGroupHeader, InterchangeHeader, Segment } from './model';

export type EnvelopeItem =
  | { kind: 'interchange'; header: InterchangeHeader; headerErrors: Ta1Error[] }
  | { kind: 'group'; header: FunctionalGroupHeader }
  /** A TA1 between ISA and GS (X12.5): the partner acknowledging one of our interchanges. */
  | { kind: 'ta1'; interchange: InterchangeHeader; segment: Segment }
  | TransactionSetItem
  | GroupEndItem
  | InterchangeEndItem
  | EnvelopeErrorItem;

export interface TransactionSetItem {
  kind: 'transaction';
  group: FunctionalGroupHeader;
  setId: string; // ST01
  controlNumber: string; // ST02
  /** ST..SE inclusive (ST alone and no SE when the trailer is missing). */
  segments: Segment[];
  /** AK502/IK502 codes: 2 SE missing, 3 ST02≠SE02, 4 SE01 wrong, 5 segment dropped, 6/7 ST01/ST02 empty. */
  setErrors: string[];
  /** Present when the set passed a limit: its segments were counted but only ST and SE kept. */
  overflow?: { limit: 'segments' | 'bytes'; max: number };
}

export interface GroupEndItem {
  kind: 'groupEnd';
  group: FunctionalGroupHeader;
  /** AK905 codes: 3 GE missing, 4 GS06≠GE02, 5 GE01 wrong, 6 GS06 not a control number. */
  errors: string[];
  /** ST segments seen in the group. */
  transactionCount: number;
}

export interface InterchangeEndItem {
  kind: 'interchangeEnd';
  header: InterchangeHeader;
  /** Every TA1 error found, ISA field errors first. */
  errors: Ta1Error[];
  /** GS segments seen in the interchange. */
  groupCount: number;
}

/** Input that could not be read; `code` is a TA105 note code. */
export interface EnvelopeErrorItem {
  kind: 'error';
  code: string;
  message: string;
  offset: number;
  fatal: boolean;
}
