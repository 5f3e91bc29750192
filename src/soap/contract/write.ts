/**
 * Writes a plain value (the shape read.ts produces) as the element its schema describes:
 * children in schema order, namespace prefixes declared once on the root, every value checked
 * against its type on the way out. A value that breaks the schema throws ContractWriteError
 * naming the path, so a faulty response mapping is caught here and not by the partner.
 */
import { numberToDecimalString } from './decimal';
import { XSI_NAMESPACE } from './read';
import { checkSimpleValue } from './simple-value';
import {
  isEmptiable,
  startNames,
  type ComplexTypeDefinition,
  type ElementDeclaration,
  type Particle,
  type SimpleTypeDefinition,
} from './xsd-model';

export class ContractWriteError extends Error {
  constructor(
    /** e.g. 'SubmitTransferResponse/Status' */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'ContractWriteError';
  }
}

/** Every namespace an element's content can use, for declaring them all on the root. */
export function namespacesReachableFrom(root: ElementDeclaration): Set<string> {
  const namespaces = new Set<string>();
  const visited = new Set<unknown>();
  const visitParticle = (particle: Particle): void => {
    if (particle.kind === 'element') visitElement(particle.element);
    else if (particle.kind !== 'any') particle.particles.forEach(visitParticle);
  };
  const visitElement = (element: ElementDeclaration): void => {
    if (visited.has(element)) return;
    visited.add(element);
    if (element.ns !== '') namespaces.add(element.ns);
    if (element.nillable) namespaces.add(XSI_NAMESPACE);
    const type = element.type;
    if (type.kind !== 'complex' || visited.has(type)) return;
    visited.add(type);
    for (const attribute of type.attributes) if (attribute.ns !== '') namespaces.add(attribute.ns);
    const content = type.content;
    if (content.kind === 'elements') visitParticle(content.particle);
  };
  visitElement(root);
  return namespaces;
}

/** The element's XML; `prefixes` maps every namespace it can use to its prefix. */
export function writeElementValue(
  declaration: ElementDeclaration,
  value: Record<string, unknown>,
  prefixes: ReadonlyMap<string, string>,
): string {
  const writer = new MessageWriter(prefixes);
  const declarations = [...prefixes]
    .map(([ns, prefix]) => ` xmlns:${prefix}="${escapeAttribute(ns)}"`)
    .join('');
  const rootValue = declaration.type.kind === 'simple' ? value.value : value;
  writer.writeElement(declaration, rootValue, declaration.name, declarations);
  return writer.output.join('');
}

interface Queue {
  items: unknown[];
  next: number;
}

class MessageWriter {
  readonly output: string[] = [];
  private written = 0;

  constructor(private readonly prefixes: ReadonlyMap<string, string>) {}

  private tagOf(ns: string, name: string): string {
    if (ns === '') return name;
    const prefix = this.prefixes.get(ns);
    if (prefix === undefined) throw new Error(`no prefix was declared for namespace ${ns}`);
    return `${prefix}:${name}`;
  }

  writeElement(
    declaration: ElementDeclaration,
    value: unknown,
    path: string,
    declarations = '',
  ): void {
    const tag = this.tagOf(declaration.ns, declaration.name);
    this.written++;
    if (value === null || value === undefined) {
      if (!declaration.nillable)
        throw new ContractWriteError(path, `missing required element ${declaration.name}`);
      this.output.push(`<${tag}${declarations} ${this.tagOf(XSI_NAMESPACE, 'nil')}="true"/>`);
      return;
    }
    const type = declaration.type;
    if (type.kind === 'simple') {
      this.output.push(
        `<${tag}${declarations}>${escapeText(formatSimpleValue(type, value, path))}</${tag}>`,
      );
      return;
    }
    this.writeComplex(type, tag, value, path, declarations);
  }

  private writeComplex(
    type: ComplexTypeDefinition,
    tag: string,
    value: unknown,
    path: string,
    declarations: string,
  ): void {
    const content = type.content;
    if (content.kind === 'any') {
      this.output.push(`<${tag}${declarations}>`);
      this.writeAnyContent(value);
      this.output.push(`</${tag}>`);
      return;
    }
    const record: Record<string, unknown> =
      content.kind === 'simple' && !isRecord(value) ? { value } : requireRecord(value, path);
    const attributes = this.attributesOf(type, record, path);
    if (content.kind === 'simple') {
      const text = formatSimpleValue(content.type, record.value, path);
      rejectUnknownFields(
        record,
        ['value', ...type.attributes.map((attribute) => attribute.name)],
        type,
        path,
      );
      this.output.push(`<${tag}${declarations}${attributes}>${escapeText(text)}</${tag}>`);
      return;
    }
    const attributeNames = new Set(type.attributes.map((attribute) => attribute.name));
    const queues = new Map<string, Queue>();
    const listElements =
      content.kind === 'elements' ? listTypedElementsIn(content.particle) : NO_NAMES;
    for (const [key, item] of Object.entries(record)) {
      if (attributeNames.has(key) || item === undefined) continue;
      // An array is the occurrences of a repeating element, or the items of an xsd:list value.
      const isOneListValue = listElements.has(key) && !type.isRepeated(key);
      queues.set(key, { items: Array.isArray(item) && !isOneListValue ? item : [item], next: 0 });
    }
    if (
      content.kind === 'empty' ||
      (queues.size === 0 &&
        isEmptiable(content.kind === 'elements' ? content.particle : emptySequence))
    ) {
      if (content.kind === 'empty') rejectUnknownFields(record, [...attributeNames], type, path);
      else this.checkLeftovers(queues, content.particle, path);
      this.output.push(`<${tag}${declarations}${attributes}/>`);
      return;
    }
    this.output.push(`<${tag}${declarations}${attributes}>`);
    this.writeParticle(content.particle, queues, type, path);
    this.checkLeftovers(queues, content.particle, path);
    this.output.push(`</${tag}>`);
  }

  private attributesOf(
    type: ComplexTypeDefinition,
    record: Record<string, unknown>,
    path: string,
  ): string {
    let written = '';
    for (const attribute of type.attributes) {
      const value = record[attribute.name];
      const attributePath = `${path}/@${attribute.name}`;
      if (value === undefined || value === null) {
        if (attribute.required)
          throw new ContractWriteError(path, `missing required attribute ${attribute.name}`);
        continue;
      }
      const text = formatSimpleValue(attribute.type, value, attributePath);
      written += ` ${this.tagOf(attribute.ns, attribute.name)}="${escapeAttribute(text)}"`;
    }
    return written;
  }

  private writeParticle(
    particle: Particle,
    queues: Map<string, Queue>,
    owner: ComplexTypeDefinition,
    path: string,
  ): void {
    switch (particle.kind) {
      case 'element':
        return this.writeElementParticle(particle, queues, owner, path);
      case 'any':
        return this.writeWildcard(particle, queues, owner);
      case 'sequence':
      case 'all':
        for (let repetition = 0; repetition < particle.max; repetition++) {
          if (repetition >= particle.min && !hasPending(particle, queues)) return;
          const before = this.written;
          for (const inner of particle.particles) this.writeParticle(inner, queues, owner, path);
          if (this.written === before) return;
        }
        return;
      case 'choice':
        for (let repetition = 0; repetition < particle.max; repetition++) {
          const branch = particle.particles.find((inner) => hasPending(inner, queues));
          if (!branch) {
            if (repetition < particle.min && !particle.particles.some(isEmptiable)) {
              throw new ContractWriteError(
                path,
                `missing one of ${particle.particles.flatMap(startNames).join(', ')}`,
              );
            }
            return;
          }
          const before = this.written;
          this.writeParticle(branch, queues, owner, path);
          if (this.written === before) return;
        }
        return;
    }
  }

  private writeElementParticle(
    particle: Extract<Particle, { kind: 'element' }>,
    queues: Map<string, Queue>,
    owner: ComplexTypeDefinition,
    path: string,
  ): void {
    const declaration = particle.element;
    const queue = queues.get(declaration.name);
    const isRepeated = owner.isRepeated(declaration.name);
    let count = 0;
    while (queue && count < particle.max && queue.next < queue.items.length) {
      const index = queue.next++;
      const item = queue.items[index];
      // null for an element that cannot be nil means "absent", as a mapping's missing value does.
      if (item === null && !declaration.nillable) continue;
      const itemPath = isRepeated
        ? `${path}/${declaration.name}[${index + 1}]`
        : `${path}/${declaration.name}`;
      this.writeElement(declaration, item, itemPath);
      count++;
    }
    if (count < particle.min)
      throw new ContractWriteError(path, `missing required element ${declaration.name}`);
  }

  private writeWildcard(
    particle: Extract<Particle, { kind: 'any' }>,
    queues: Map<string, Queue>,
    owner: ComplexTypeDefinition,
  ): void {
    const content = owner.content;
    const declared = content.kind === 'elements' ? elementNamesIn(content.particle) : NO_NAMES;
    let count = 0;
    for (const [name, queue] of queues) {
      if (declared.has(name)) continue;
      while (count < particle.max && queue.next < queue.items.length) {
        const item = queue.items[queue.next++];
        this.written++;
        count++;
        this.output.push(`<${name}>`);
        this.writeAnyContent(item);
        this.output.push(`</${name}>`);
      }
    }
  }

  private writeAnyContent(value: unknown): void {
    if (value === null || value === undefined) return;
    if (!isRecord(value)) {
      this.output.push(escapeText(formatAnyText(value)));
      return;
    }
    for (const [name, item] of Object.entries(value)) {
      for (const element of Array.isArray(item) ? item : [item]) {
        if (element === undefined) continue;
        this.output.push(`<${name}>`);
        this.writeAnyContent(element);
        this.output.push(`</${name}>`);
      }
    }
  }

  private checkLeftovers(queues: Map<string, Queue>, particle: Particle, path: string): void {
    for (const [name, queue] of queues) {
      if (!hasItemsLeft(queue)) continue;
      if (!elementNamesIn(particle).has(name))
        throw new ContractWriteError(`${path}/${name}`, `unexpected field ${name}`);
      throw new ContractWriteError(`${path}/${name}`, `too many ${name} values or out of place`);
    }
  }
}

const emptySequence: Particle = { kind: 'sequence', particles: [], min: 0, max: 1 };

function hasPending(particle: Particle, queues: Map<string, Queue>): boolean {
  for (const name of elementNamesIn(particle)) {
    const queue = queues.get(name);
    if (queue !== undefined && hasItemsLeft(queue)) return true;
  }
  return false;
}

function hasItemsLeft(queue: Queue): boolean {
  for (let i = queue.next; i < queue.items.length; i++) if (queue.items[i] !== null) return true;
  return false;
}

// What a particle declares never changes once the WSDL is compiled: worked out once per
// particle, not once per reply written (bench/soap.ts guards the reply path).
const NO_NAMES: ReadonlySet<string> = new Set();
const listTypedNames = new WeakMap<Particle, ReadonlySet<string>>();
const declaredNames = new WeakMap<Particle, ReadonlySet<string>>();

function listTypedElementsIn(particle: Particle): ReadonlySet<string> {
  let cached = listTypedNames.get(particle);
  if (!cached) listTypedNames.set(particle, (cached = collectListTypedElements(particle)));
  return cached;
}

function collectListTypedElements(particle: Particle): Set<string> {
  const names = new Set<string>();
  const visit = (inner: Particle): void => {
    if (inner.kind === 'element') {
      const type = inner.element.type;
      if (type.kind === 'simple' && type.variety === 'list') names.add(inner.element.name);
    } else if (inner.kind !== 'any') inner.particles.forEach(visit);
  };
  visit(particle);
  return names;
}

function elementNamesIn(particle: Particle): ReadonlySet<string> {
  let cached = declaredNames.get(particle);
  if (!cached) declaredNames.set(particle, (cached = new Set(collectElementNames(particle))));
  return cached;
}

function collectElementNames(particle: Particle): string[] {
  if (particle.kind === 'element') return [particle.element.name];
  if (particle.kind === 'any') return [];
  return particle.particles.flatMap(collectElementNames);
}

function rejectUnknownFields(
  record: Record<string, unknown>,
  known: string[],
  type: ComplexTypeDefinition,
  path: string,
): void {
  if (type.anyAttribute) return;
  for (const key of Object.keys(record)) {
    if (!known.includes(key) && record[key] !== undefined)
      throw new ContractWriteError(`${path}/${key}`, `unexpected field ${key}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

function requireRecord(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value))
    throw new ContractWriteError(path, `expected an object, got ${describeValue(value)}`);
  return value;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return `${typeof value} ${String(value)}`;
}

/** A JS value as the lexical form of a simple type, checked against the type. */
export function formatSimpleValue(
  type: SimpleTypeDefinition,
  value: unknown,
  path: string,
): string {
  const text = lexicalFormOf(type, value, path);
  const check = checkSimpleValue(type, text);
  if (!check.ok) throw new ContractWriteError(path, check.message);
  return text;
}

function lexicalFormOf(type: SimpleTypeDefinition, value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  if (type.variety === 'list' && Array.isArray(value)) {
    return value
      .map((item, index) => lexicalFormOf(type.itemType ?? type, item, `${path}[${index + 1}]`))
      .join(' ');
  }
  const primitive = type.variety === 'atomic' ? type.builtin.primitive : 'anySimpleType';
  const isUntyped = primitive === 'anySimpleType';
  if (
    (typeof value === 'number' || typeof value === 'bigint') &&
    (primitive === 'decimal' || isUntyped)
  ) {
    return typeof value === 'bigint' ? value.toString() : numberToDecimalString(value);
  }
  if (typeof value === 'number' && (primitive === 'float' || primitive === 'double')) {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'INF' : '-INF';
    return String(value);
  }
  if (typeof value === 'boolean' && (primitive === 'boolean' || isUntyped)) return String(value);
  if (value instanceof Date && (primitive === 'dateTime' || primitive === 'date')) {
    const iso = value.toISOString();
    return primitive === 'date' ? iso.slice(0, 10) : iso;
  }
  throw new ContractWriteError(
    path,
    `expected a value for ${type.label}, got ${describeValue(value)}`,
  );
}

function formatAnyText(value: unknown): string {
  if (typeof value === 'number') return numberToDecimalString(value);
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function escapeText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

function escapeAttribute(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
