/**
 * The compiled form of the transaction-set schemas (schema-compile.ts builds it, validate.ts
 * walks it): arrays of entries per loop level with a Map from segment id to entry index,
 * element types as numbers, code lists as Sets.
 */
import type { SyntaxRule } from './transaction-set.generated';

/** Element types as small integers, so the validator switches on a number. */
export const ElementKind = { AN: 0, ID: 1, N: 2, R: 3, DT: 4, TM: 5 } as const;

export interface CompiledSimpleElement {
  ref: string;
  name: string;
  kind: number;
  /** Implied decimal places of an N type (N2: 2). */
  decimals: number;
  min: number;
  max: number;
  /** Known codes, or null when the element has no code list. */
  codes: ReadonlySet<string> | null;
  /** True when `codes` is the complete list (AK403 7), false when it is a common subset (I6). */
  codesAreComplete: boolean;
}

export interface CompiledSyntaxRule {
  rule: SyntaxRule['rule'];
  /** 0-based positions. */
  positions: number[];
}

export interface CompiledComponent {
  element: CompiledSimpleElement;
  required: boolean;
}

export interface CompiledComposite {
  id: string;
  name: string;
  components: CompiledComponent[];
  /** Reference numbers of the components, by position, for error reports. */
  references: string[];
  rules: CompiledSyntaxRule[];
}

export interface CompiledElementUse {
  /** The tree key: segment id and two-digit position, e.g. BEG03. */
  key: string;
  ref: string;
  /** The dictionary reference number reported in AK402/IK402; undefined for composites. */
  reference: string | undefined;
  required: boolean;
  repeat: number;
  simple: CompiledSimpleElement | null;
  composite: CompiledComposite | null;
}

export interface CompiledSegment {
  id: string;
  name: string;
  elements: CompiledElementUse[];
  /** Reference numbers by position (composite ids for composites), for error reports. */
  references: Array<string | undefined>;
  rules: CompiledSyntaxRule[];
}

export interface CompiledEntry {
  /** The segment, or for a loop the segment that starts each occurrence. */
  segmentId: string;
  segment: CompiledSegment;
  required: boolean;
  /** Maximum use, or loop repeat; Infinity for ">1". */
  max: number;
  /** The tree holds an array (max > 1) or a single object. */
  isArray: boolean;
  /** The tree key: the segment id, or `<loop id>Loop`. */
  key: string;
  loop: CompiledLevel | null;
}

export interface CompiledLevel {
  /** Null for the set itself, else the loop identifier (AK303). */
  loopId: string | null;
  entries: CompiledEntry[];
  /** Segment id (a loop's by its first segment) to entry index. */
  index: ReadonlyMap<string, number>;
}

export interface CompiledTransactionSet {
  id: string;
  version: string;
  functionalGroup: string;
  name: string;
  /** The file it was loaded from. */
  file: string;
  root: CompiledLevel;
  /** Deepest loop nesting (0 when the set has no loops). */
  depth: number;
  /** Every segment id the set uses anywhere. */
  segmentIds: ReadonlySet<string>;
  /** The version's whole segment dictionary. */
  segments: ReadonlyMap<string, CompiledSegment>;
}
