/**
 * GENERATED with json-schema-to-typescript from edi-maps/x12/transaction-set.schema.json
 * (same options as scripts/generate-partner-types.mjs). Do not edit: change the schema, then
 * regenerate.
 */

/**
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "segmentId".
 */
export type SegmentId = string;
/**
 * M mandatory, O optional.
 *
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "requirement".
 */
export type Requirement = 'M' | 'O';
/**
 * A count, or ">1" for no limit (the standard's notation).
 *
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "occurrences".
 */
export type Occurrences = number | '>1';
/**
 * The set's segments and loops in order; the first is ST, the last SE.
 *
 * @minItems 1
 */
export type Structure = (SegmentUse | Loop)[];
/**
 * M mandatory, O optional, X relational (optional, with the segment's syntax rules saying when it is required or forbidden).
 *
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "elementRequirement".
 */
export type ElementRequirement = 'M' | 'O' | 'X';
/**
 * @minItems 1
 *
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "structure".
 */
export type Structure1 = (SegmentUse | Loop)[];
/**
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "syntaxRules".
 */
export type SyntaxRules = SyntaxRule[];

/**
 * One X12 transaction set (edi-maps/x12/<version>/<set id>.json): its segments and loops in standard order with requirement designators, maximum uses and loop repeats. The dictionaries beside it (elements.json, composites.json, segments.json) are described by $defs/elementDictionary, $defs/compositeDictionary and $defs/segmentDictionary.
 */
export interface X12TransactionSetFile {
  $schema?: string;
  /**
   * ST01, equal to the file name without .json, e.g. 850.
   */
  id: string;
  /**
   * The version folder the file lives in: GS08's first six characters, e.g. 004010.
   */
  version: string;
  /**
   * GS01 of the groups carrying this set, e.g. PO.
   */
  functionalGroup: string;
  name: string;
  description?: string;
  structure: Structure;
}
/**
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "segmentUse".
 */
export interface SegmentUse {
  segment: SegmentId;
  req: Requirement;
  max: Occurrences;
  /**
   * The standard's position number, for readers (e.g. 020).
   */
  position?: string;
}
/**
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "loop".
 */
export interface Loop {
  /**
   * Loop identifier (AK303/IK303, at most 4 characters), usually the id of its first segment; the tree key is <loop>Loop.
   */
  loop: string;
  req: Requirement;
  repeat: Occurrences;
  /**
   * The loop's segments and inner loops; the first is the segment that starts each occurrence.
   *
   * @minItems 1
   */
  structure: (SegmentUse | Loop)[];
}
/**
 * elements.json: simple data elements by reference number.
 *
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "elementDictionary".
 */
export interface ElementDictionary {
  [k: string]: Element;
}
/**
 * This interface was referenced by `ElementDictionary`'s JSON-Schema definition
 * via the `patternProperty` "^[0-9]{1,4}$".
 *
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "element".
 */
export interface Element {
  name: string;
  /**
   * AN string, ID identifier, N0..N9 numeric with that many implied decimals, R decimal, DT date (CCYYMMDD or YYMMDD), TM time (HHMM[SS[d..]]).
   */
  type:
    | 'AN'
    | 'ID'
    | 'N0'
    | 'N1'
    | 'N2'
    | 'N3'
    | 'N4'
    | 'N5'
    | 'N6'
    | 'N7'
    | 'N8'
    | 'N9'
    | 'R'
    | 'DT'
    | 'TM';
  min: number;
  max: number;
  /**
   * The complete code list: any other value is AK403 7 (invalid code value).
   *
   * @minItems 1
   */
  codes?: string[];
  /**
   * The codes this gateway knows, where the standard's list is larger: another value is IK403 I6 (code value not used in implementation) in a 999 and accepted by a 997.
   *
   * @minItems 1
   */
  commonCodes?: string[];
}
/**
 * composites.json: composite data structures by id.
 *
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "compositeDictionary".
 */
export interface CompositeDictionary {
  [k: string]: Composite;
}
/**
 * This interface was referenced by `CompositeDictionary`'s JSON-Schema definition
 * via the `patternProperty` "^C[0-9]{3}$".
 *
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "composite".
 */
export interface Composite {
  name: string;
  /**
   * @minItems 1
   */
  components: ComponentUse[];
  syntax?: SyntaxRules;
}
/**
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "componentUse".
 */
export interface ComponentUse {
  ref: string;
  req: ElementRequirement;
}
/**
 * X12 syntax note over 1-based positions: P paired (all or none), R required (at least one), E exclusion (at most one), C conditional (if the first, then all others), L list conditional (if the first, then at least one other).
 *
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "syntaxRule".
 */
export interface SyntaxRule {
  rule: 'P' | 'R' | 'E' | 'C' | 'L';
  /**
   * @minItems 2
   */
  positions: number[];
}
/**
 * segments.json: segments by id, each with its elements in order and its syntax rules.
 *
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "segmentDictionary".
 */
export interface SegmentDictionary {
  [k: string]: Segment;
}
/**
 * This interface was referenced by `SegmentDictionary`'s JSON-Schema definition
 * via the `patternProperty` "^[A-Z][A-Z0-9]{1,2}$".
 *
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "segment".
 */
export interface Segment {
  name: string;
  /**
   * @minItems 1
   */
  elements: ElementUse[];
  syntax?: SyntaxRules;
}
/**
 * This interface was referenced by `X12TransactionSetFile`'s JSON-Schema
 * via the `definition` "elementUse".
 */
export interface ElementUse {
  /**
   * A simple element's reference number (elements.json) or a composite's id (composites.json).
   */
  ref: string;
  req: ElementRequirement;
  /**
   * Maximum repetitions (005010 on, with ISA11 as separator); 1 when absent.
   */
  repeat?: number;
}
