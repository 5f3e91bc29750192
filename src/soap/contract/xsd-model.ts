/**
 * The compiled form of a WSDL's XML Schemas (xsd-compile.ts builds it): element declarations,
 * simple and complex types with their content models as particles. read.ts and write.ts walk it.
 * Complex types and element types resolve lazily so recursive and forward references across
 * files and namespaces need no ordering.
 */
import type { BuiltinType, WhiteSpace } from './xsd-builtins';

export interface FacetSet {
  /** One entry per derivation step: a value must match one pattern of every step. */
  patterns: { sources: string[]; regexes: RegExp[] }[];
  /** One entry per derivation step that enumerates: a value must be in every one. */
  enumerations: string[][];
  lengths: { kind: 'length' | 'minLength' | 'maxLength'; value: number }[];
  bounds: {
    kind: 'minInclusive' | 'maxInclusive' | 'minExclusive' | 'maxExclusive';
    value: string;
  }[];
  totalDigits?: number;
  fractionDigits?: number;
}

export interface SimpleTypeDefinition {
  kind: 'simple';
  /** How messages name the type: 'xsd:int', 'Iban', 'the type of Country'. */
  label: string;
  /** The built-in type an atomic type derives from (anySimpleType for lists and unions). */
  builtin: BuiltinType;
  variety: 'atomic' | 'list' | 'union';
  itemType?: SimpleTypeDefinition;
  memberTypes?: SimpleTypeDefinition[];
  whiteSpace: WhiteSpace;
  facets: FacetSet;
}

export type ComplexContent =
  | { kind: 'empty'; mixed: boolean }
  | { kind: 'simple'; type: SimpleTypeDefinition }
  | { kind: 'elements'; particle: Particle; mixed: boolean }
  /** xsd:anyType: any attributes, any text or elements. */
  | { kind: 'any' };

export interface ComplexParts {
  attributes: AttributeDeclaration[];
  anyAttribute: boolean;
  content: ComplexContent;
}

export class ComplexTypeDefinition {
  readonly kind = 'complex';
  private parts: ComplexParts | undefined;
  private building = false;
  private repeats: Map<string, boolean> | undefined;

  constructor(
    readonly label: string,
    private readonly build: () => ComplexParts,
  ) {}

  get attributes(): AttributeDeclaration[] {
    return this.resolved().attributes;
  }

  get anyAttribute(): boolean {
    return this.resolved().anyAttribute;
  }

  get content(): ComplexContent {
    return this.resolved().content;
  }

  /** Whether the child element with this local name may occur more than once (its value is an array). */
  isRepeated(name: string): boolean {
    if (!this.repeats) {
      const content = this.content;
      this.repeats = new Map();
      if (content.kind === 'elements') {
        for (const [key, count] of occurrences(content.particle)) this.repeats.set(key, count > 1);
      }
    }
    return this.repeats.get(name) ?? false;
  }

  private resolved(): ComplexParts {
    if (this.parts) return this.parts;
    if (this.building) throw new Error(`type ${this.label} derives from itself`);
    this.building = true;
    try {
      this.parts = this.build();
    } finally {
      this.building = false;
    }
    return this.parts;
  }
}

export type TypeDefinition = SimpleTypeDefinition | ComplexTypeDefinition;

export class ElementDeclaration {
  private resolvedType: TypeDefinition | undefined;

  constructor(
    readonly name: string,
    /** '' when the element is unqualified. */
    readonly ns: string,
    readonly nillable: boolean,
    private readonly resolveType: () => TypeDefinition,
  ) {}

  get type(): TypeDefinition {
    this.resolvedType ??= this.resolveType();
    return this.resolvedType;
  }
}

export interface AttributeDeclaration {
  name: string;
  ns: string;
  required: boolean;
  type: SimpleTypeDefinition;
  fixed?: string;
}

export interface Wildcard {
  /** '##any', '##other' or a list of namespaces ('' for no namespace). */
  namespaces: '##any' | '##other' | string[];
  targetNamespace: string;
}

export type Particle =
  | { kind: 'element'; element: ElementDeclaration; min: number; max: number }
  | { kind: 'sequence' | 'choice' | 'all'; particles: Particle[]; min: number; max: number }
  | { kind: 'any'; wildcard: Wildcard; min: number; max: number };

export function wildcardAccepts(wildcard: Wildcard, ns: string): boolean {
  if (wildcard.namespaces === '##any') return true;
  if (wildcard.namespaces === '##other') return ns !== '' && ns !== wildcard.targetNamespace;
  return wildcard.namespaces.includes(ns);
}

/** Whether the particle can match no element at all. */
export function isEmptiable(particle: Particle): boolean {
  if (particle.min === 0) return true;
  switch (particle.kind) {
    case 'element':
    case 'any':
      return false;
    case 'choice':
      return particle.particles.some(isEmptiable);
    default:
      return particle.particles.every(isEmptiable);
  }
}

/** Whether a match of the particle can begin with an element of this name. */
export function canStartWith(particle: Particle, ns: string, name: string): boolean {
  switch (particle.kind) {
    case 'element':
      return particle.element.name === name && particle.element.ns === ns;
    case 'any':
      return wildcardAccepts(particle.wildcard, ns);
    case 'sequence':
      for (const inner of particle.particles) {
        if (canStartWith(inner, ns, name)) return true;
        if (!isEmptiable(inner)) return false;
      }
      return false;
    default:
      return particle.particles.some((inner) => canStartWith(inner, ns, name));
  }
}

/** The element names a particle can begin with, for 'expected ...' messages. */
export function startNames(particle: Particle): string[] {
  switch (particle.kind) {
    case 'element':
      return [particle.element.name];
    case 'any':
      return ['any element'];
    case 'sequence': {
      const names: string[] = [];
      for (const inner of particle.particles) {
        names.push(...startNames(inner));
        if (!isEmptiable(inner)) break;
      }
      return names;
    }
    default:
      return particle.particles.flatMap(startNames);
  }
}

/** How many times each element name can occur within one match of the particle. */
function occurrences(particle: Particle): Map<string, number> {
  const counts = new Map<string, number>();
  if (particle.kind === 'element') counts.set(particle.element.name, particle.max);
  if (particle.kind === 'sequence' || particle.kind === 'all' || particle.kind === 'choice') {
    for (const inner of particle.particles) {
      for (const [name, count] of occurrences(inner)) {
        const previous = counts.get(name) ?? 0;
        counts.set(name, particle.kind === 'choice' ? Math.max(previous, count) : previous + count);
      }
    }
    for (const [name, count] of counts) counts.set(name, count * particle.max);
  }
  return counts;
}
