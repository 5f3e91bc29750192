/**
 * Turns the files of one version folder (already checked against transaction-set.schema.json)
 * into the compiled schema validate.ts walks (compiled-schema.ts). Every reference is resolved
 * here, so a set naming an unknown segment or element never loads.
 */
import {
  ElementKind,
  type CompiledComposite,
  type CompiledElementUse,
  type CompiledEntry,
  type CompiledLevel,
  type CompiledSegment,
  type CompiledSimpleElement,
  type CompiledSyntaxRule,
  type CompiledTransactionSet,
} from './compiled-schema';
import type {
  Composite,
  Element,
  ElementUse,
  Loop,
  Segment as SegmentDefinition,
  SegmentUse,
  SyntaxRule,
  X12TransactionSetFile,
} from './transaction-set.generated';

/** A reference that does not resolve, or a rule the JSON Schema cannot express. */
export class SchemaReferenceError extends Error {
  constructor(
    readonly pointer: string,
    readonly reason: string,
  ) {
    super(`${pointer}: ${reason}`);
    this.name = 'SchemaReferenceError';
  }
}

export function compileElements(raw: Record<string, Element>): Map<string, CompiledSimpleElement> {
  const compiled = new Map<string, CompiledSimpleElement>();
  for (const [ref, element] of Object.entries(raw)) {
    if (element.min > element.max) {
      throw new SchemaReferenceError(
        `/${ref}/min`,
        `min ${element.min} exceeds max ${element.max}`,
      );
    }
    const list = element.codes ?? element.commonCodes ?? null;
    list?.forEach((code, index) => {
      if (code.length < element.min || code.length > element.max) {
        const property = element.codes ? 'codes' : 'commonCodes';
        throw new SchemaReferenceError(
          `/${ref}/${property}/${index}`,
          `code "${code}" is not ${element.min}..${element.max} characters long`,
        );
      }
    });
    const kind = element.type.startsWith('N')
      ? ElementKind.N
      : ElementKind[element.type as Exclude<Element['type'], `N${number}`>];
    compiled.set(ref, {
      ref,
      name: element.name,
      kind,
      decimals: kind === ElementKind.N ? Number(element.type.slice(1)) : 0,
      min: element.min,
      max: element.max,
      codes: list ? new Set(list) : null,
      codesAreComplete: element.codes !== undefined,
    });
  }
  return compiled;
}

export function compileComposites(
  raw: Record<string, Composite>,
  elements: ReadonlyMap<string, CompiledSimpleElement>,
): Map<string, CompiledComposite> {
  const compiled = new Map<string, CompiledComposite>();
  for (const [id, composite] of Object.entries(raw)) {
    const components = composite.components.map((use, index) => ({
      element: resolveElement(elements, use.ref, `/${id}/components/${index}/ref`),
      required: use.req === 'M',
    }));
    compiled.set(id, {
      id,
      name: composite.name,
      components,
      references: composite.components.map((use) => use.ref),
      rules: compileRules(composite.syntax, components.length, `/${id}/syntax`),
    });
  }
  return compiled;
}

export function compileSegments(
  raw: Record<string, SegmentDefinition>,
  elements: ReadonlyMap<string, CompiledSimpleElement>,
  composites: ReadonlyMap<string, CompiledComposite>,
): Map<string, CompiledSegment> {
  const compiled = new Map<string, CompiledSegment>();
  for (const [id, segment] of Object.entries(raw)) {
    const uses = segment.elements.map((use, index) =>
      compileElementUse(id, use, index, elements, composites),
    );
    compiled.set(id, {
      id,
      name: segment.name,
      elements: uses,
      references: uses.map((use) => use.reference),
      rules: compileRules(segment.syntax, uses.length, `/${id}/syntax`),
    });
  }
  return compiled;
}

function compileElementUse(
  segmentId: string,
  use: ElementUse,
  index: number,
  elements: ReadonlyMap<string, CompiledSimpleElement>,
  composites: ReadonlyMap<string, CompiledComposite>,
): CompiledElementUse {
  const pointer = `/${segmentId}/elements/${index}/ref`;
  const composite = use.ref.startsWith('C') ? composites.get(use.ref) : undefined;
  if (use.ref.startsWith('C') && !composite) {
    throw new SchemaReferenceError(pointer, `unknown composite ${use.ref}: not in composites.json`);
  }
  return {
    key: `${segmentId}${String(index + 1).padStart(2, '0')}`,
    ref: use.ref,
    reference: composite ? undefined : use.ref,
    required: use.req === 'M',
    repeat: use.repeat ?? 1,
    simple: composite ? null : resolveElement(elements, use.ref, pointer),
    composite: composite ?? null,
  };
}

function resolveElement(
  elements: ReadonlyMap<string, CompiledSimpleElement>,
  ref: string,
  pointer: string,
): CompiledSimpleElement {
  const element = elements.get(ref);
  if (!element)
    throw new SchemaReferenceError(pointer, `unknown element ${ref}: not in elements.json`);
  return element;
}

function compileRules(
  rules: SyntaxRule[] | undefined,
  count: number,
  pointer: string,
): CompiledSyntaxRule[] {
  return (rules ?? []).map((rule, index) => {
    const beyond = rule.positions.find((position) => position > count);
    if (beyond !== undefined) {
      throw new SchemaReferenceError(
        `${pointer}/${index}/positions`,
        `position ${beyond} is beyond the ${count} defined`,
      );
    }
    return { rule: rule.rule, positions: rule.positions.map((position) => position - 1) };
  });
}

/** Compiles one set file's structure against its version's segment dictionary. */
export function compileTransactionSet(
  file: string,
  set: X12TransactionSetFile,
  segments: ReadonlyMap<string, CompiledSegment>,
): CompiledTransactionSet {
  const used = new Set<string>();
  const root = compileLevel(set.structure, null, '/structure', segments, used);
  const first = set.structure[0];
  const last = set.structure[set.structure.length - 1];
  if (!first || !('segment' in first) || first.segment !== 'ST' || first.req !== 'M') {
    throw new SchemaReferenceError('/structure/0', 'a transaction set starts with a mandatory ST');
  }
  if (!last || !('segment' in last) || last.segment !== 'SE' || last.req !== 'M') {
    throw new SchemaReferenceError(
      `/structure/${set.structure.length - 1}`,
      'a transaction set ends with a mandatory SE',
    );
  }
  return {
    id: set.id,
    version: set.version,
    functionalGroup: set.functionalGroup,
    name: set.name,
    file,
    root,
    depth: depthOf(root),
    segmentIds: used,
    segments,
  };
}

function compileLevel(
  items: Array<SegmentUse | Loop>,
  loopId: string | null,
  pointer: string,
  segments: ReadonlyMap<string, CompiledSegment>,
  used: Set<string>,
): CompiledLevel {
  const entries: CompiledEntry[] = [];
  const index = new Map<string, number>();
  items.forEach((item, position) => {
    const at = `${pointer}/${position}`;
    const entry =
      'segment' in item
        ? segmentEntry(item, at, segments)
        : loopEntry(item, `${at}/structure`, segments, used);
    if (index.has(entry.segmentId)) {
      throw new SchemaReferenceError(
        at,
        `${entry.segmentId} is used twice at the same level; a level may use a segment id once`,
      );
    }
    if (loopId !== null && position === 0 && entry.max !== 1) {
      throw new SchemaReferenceError(`${at}/max`, "a loop's first segment occurs once per loop");
    }
    used.add(entry.segmentId);
    index.set(entry.segmentId, position);
    entries.push(entry);
  });
  return { loopId, entries, index };
}

function segmentEntry(
  item: SegmentUse,
  pointer: string,
  segments: ReadonlyMap<string, CompiledSegment>,
): CompiledEntry {
  const segment = segments.get(item.segment);
  if (!segment) {
    throw new SchemaReferenceError(
      `${pointer}/segment`,
      `unknown segment ${item.segment}: not in segments.json`,
    );
  }
  const max = item.max === '>1' ? Infinity : item.max;
  // One literal with loopEntry's key order, not a spread: every entry then shares one hidden
  // class, so validate.ts reads entry fields monomorphically (spread copies got a map each).
  return {
    segmentId: item.segment,
    segment,
    required: item.req === 'M',
    max,
    isArray: max > 1,
    key: item.segment,
    loop: null,
  };
}

function loopEntry(
  item: Loop,
  pointer: string,
  segments: ReadonlyMap<string, CompiledSegment>,
  used: Set<string>,
): CompiledEntry {
  const level = compileLevel(item.structure, item.loop, pointer, segments, used);
  const trigger = level.entries[0];
  if (!trigger || trigger.loop !== null) {
    throw new SchemaReferenceError(`${pointer}/0`, 'a loop starts with a segment');
  }
  const max = item.repeat === '>1' ? Infinity : item.repeat;
  return {
    segmentId: trigger.segmentId,
    segment: trigger.segment,
    required: item.req === 'M',
    max,
    isArray: max > 1,
    key: `${item.loop}Loop`,
    loop: level,
  };
}

function depthOf(level: CompiledLevel): number {
  let deepest = 0;
  for (const entry of level.entries) {
    if (entry.loop) deepest = Math.max(deepest, 1 + depthOf(entry.loop));
  }
  return deepest;
}
