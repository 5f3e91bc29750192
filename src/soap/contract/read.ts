/**
 * Reads a request body element against its schema: validates it and turns it into the plain
 * value described in types.ts (local names as keys, leaves as the strings written, repeating
 * elements as arrays). Matching is greedy, which the XSD Unique Particle Attribution rule makes
 * sound for valid schemas; after a mismatch it skips ahead to the expected element so one
 * stray element yields one issue, not a cascade. It stops after MAX_ISSUES.
 */
import type { XmlElement } from '../xml-tree';
import { checkSimpleValue } from './simple-value';
import {
  canStartWith,
  isEmptiable,
  startNames,
  wildcardAccepts,
  type ComplexTypeDefinition,
  type ElementDeclaration,
  type Particle,
} from './xsd-model';
import type { SchemaIssue } from './types';

export const MAX_ISSUES = 20;
export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

export type ReadResult =
  { ok: true; value: Record<string, unknown> } | { ok: false; issues: SchemaIssue[] };

class TooManyIssues extends Error {}

/** Reads `body` as an instance of `declaration`; a root with a simple value reads as `{ value }`. */
export function readElementValue(declaration: ElementDeclaration, body: XmlElement): ReadResult {
  const reader = new MessageReader();
  let value: unknown;
  try {
    if (body.name !== declaration.name || body.ns !== declaration.ns) {
      reader.report(
        body.name,
        `expected element ${describe(declaration.ns, declaration.name)}, got ${describe(body.ns, body.name)}`,
      );
    } else {
      value = reader.readElement(declaration, body, body.name);
    }
  } catch (error) {
    if (!(error instanceof TooManyIssues)) throw error;
  }
  if (reader.issues.length > 0) return { ok: false, issues: reader.issues };
  return { ok: true, value: isRecord(value) ? value : { value } };
}

function describe(ns: string, name: string): string {
  return ns === '' ? `${name} (no namespace)` : `${name} in namespace ${ns}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface Cursor {
  children: XmlElement[];
  position: number;
}

class MessageReader {
  readonly issues: SchemaIssue[] = [];

  report(path: string, message: string): void {
    this.issues.push({ path, message });
    if (this.issues.length >= MAX_ISSUES) throw new TooManyIssues();
  }

  readElement(declaration: ElementDeclaration, node: XmlElement, path: string): unknown {
    const nil = node.attributes.find(
      (attribute) => attribute.ns === XSI_NAMESPACE && attribute.name === 'nil',
    );
    if (nil && (nil.value.trim() === 'true' || nil.value.trim() === '1')) {
      if (!declaration.nillable) this.report(path, `${declaration.name} may not be nil`);
      else if (node.children.length > 0 || node.text.trim() !== '')
        this.report(path, `a nil ${declaration.name} must be empty`);
      return null;
    }
    const type = declaration.type;
    if (type.kind === 'simple') {
      this.rejectAttributes(node, path);
      this.rejectChildren(node, path, `${declaration.name} holds a simple value`);
      return this.readSimple(type, node.text, path);
    }
    return this.readComplex(type, node, path);
  }

  private readSimple(
    type: Parameters<typeof checkSimpleValue>[0],
    text: string,
    path: string,
  ): string | undefined {
    const check = checkSimpleValue(type, text);
    if (check.ok) return check.value;
    this.report(path, check.message);
    return undefined;
  }

  private readComplex(type: ComplexTypeDefinition, node: XmlElement, path: string): unknown {
    const content = type.content;
    if (content.kind === 'any') return readAnyValue(node);
    const value: Record<string, unknown> = this.readAttributes(type, node, path);
    if (content.kind === 'simple') {
      this.rejectChildren(node, path, `${node.name} holds a simple value`);
      const text = this.readSimple(content.type, node.text, path);
      return { value: text, ...value };
    }
    if (!content.mixed && node.text.trim() !== '') {
      this.report(path, `unexpected text ${JSON.stringify(node.text.trim().slice(0, 40))}`);
    }
    const cursor: Cursor = { children: node.children, position: 0 };
    if (content.kind === 'elements')
      this.matchParticle(content.particle, cursor, type, value, path);
    for (const child of node.children.slice(cursor.position)) {
      this.report(`${path}/${child.name}`, `unexpected element ${child.name}`);
    }
    return value;
  }

  private readAttributes(
    type: ComplexTypeDefinition,
    node: XmlElement,
    path: string,
  ): Record<string, unknown> {
    const value: Record<string, unknown> = {};
    const declared = type.attributes;
    for (const attribute of node.attributes) {
      if (attribute.ns === XSI_NAMESPACE || attribute.ns === 'http://www.w3.org/2000/xmlns/')
        continue;
      const declaration = declared.find(
        (candidate) => candidate.name === attribute.name && candidate.ns === attribute.ns,
      );
      const attributePath = `${path}/@${attribute.name}`;
      if (!declaration) {
        if (type.anyAttribute) value[attribute.name] = attribute.value;
        else this.report(attributePath, `unexpected attribute ${attribute.name}`);
        continue;
      }
      const read = this.readSimple(declaration.type, attribute.value, attributePath);
      if (read !== undefined && declaration.fixed !== undefined && read !== declaration.fixed) {
        this.report(
          attributePath,
          `${attribute.name} must be ${JSON.stringify(declaration.fixed)}`,
        );
      }
      value[attribute.name] = read;
    }
    for (const declaration of declared) {
      if (declaration.required && !(declaration.name in value)) {
        this.report(path, `missing required attribute ${declaration.name}`);
      }
    }
    return value;
  }

  private rejectAttributes(node: XmlElement, path: string): void {
    for (const attribute of node.attributes) {
      if (attribute.ns === XSI_NAMESPACE || attribute.ns === 'http://www.w3.org/2000/xmlns/')
        continue;
      this.report(`${path}/@${attribute.name}`, `unexpected attribute ${attribute.name}`);
    }
  }

  private rejectChildren(node: XmlElement, path: string, why: string): void {
    for (const child of node.children) {
      this.report(`${path}/${child.name}`, `unexpected element ${child.name} (${why})`);
    }
  }

  private matchParticle(
    particle: Particle,
    cursor: Cursor,
    owner: ComplexTypeDefinition,
    value: Record<string, unknown>,
    path: string,
  ): void {
    switch (particle.kind) {
      case 'element':
        return this.matchElement(particle, cursor, owner, value, path);
      case 'any':
        return this.matchWildcard(particle, cursor, value);
      case 'sequence':
        for (let repetition = 0; repetition < particle.max; repetition++) {
          const next = cursor.children[cursor.position];
          const isStarting = next !== undefined && canStartWith(particle, next.ns, next.name);
          if (repetition >= particle.min && !isStarting) return;
          const before = cursor.position;
          for (const inner of particle.particles)
            this.matchParticle(inner, cursor, owner, value, path);
          if (cursor.position === before) return;
        }
        return;
      case 'choice':
        for (let repetition = 0; repetition < particle.max; repetition++) {
          const next = cursor.children[cursor.position];
          const branch =
            next &&
            (particle.particles.find((inner) => canStartWith(inner, next.ns, next.name)) ??
              particle.particles.find((inner) => startNames(inner).includes(next.name)));
          if (!branch) {
            if (repetition < particle.min && !particle.particles.some(isEmptiable)) {
              this.report(
                path,
                `missing one of ${particle.particles.flatMap(startNames).join(', ')}`,
              );
            }
            return;
          }
          const before = cursor.position;
          this.matchParticle(branch, cursor, owner, value, path);
          if (cursor.position === before) return;
        }
        return;
      case 'all': {
        const matched = new Set<Particle>();
        for (;;) {
          const next = cursor.children[cursor.position];
          const inner =
            next &&
            particle.particles.find(
              (candidate) => !matched.has(candidate) && canStartWith(candidate, next.ns, next.name),
            );
          if (!inner) break;
          matched.add(inner);
          this.matchParticle(inner, cursor, owner, value, path);
        }
        if (particle.min > 0 || matched.size > 0) {
          for (const inner of particle.particles) {
            if (!matched.has(inner) && !isEmptiable(inner))
              this.report(path, `missing required element ${startNames(inner).join(', ')}`);
          }
        }
        return;
      }
    }
  }

  private matchElement(
    particle: Extract<Particle, { kind: 'element' }>,
    cursor: Cursor,
    owner: ComplexTypeDefinition,
    value: Record<string, unknown>,
    path: string,
  ): void {
    const declaration = particle.element;
    let count = 0;
    while (count < particle.max && cursor.position < cursor.children.length) {
      const child = cursor.children[cursor.position] as XmlElement;
      if (child.name !== declaration.name) {
        if (count >= particle.min) break;
        // Skip stray elements when the expected one follows them; otherwise it is missing.
        const ahead = cursor.children.findIndex(
          (candidate, index) => index > cursor.position && candidate.name === declaration.name,
        );
        if (ahead < 0) break;
        for (const stray of cursor.children.slice(cursor.position, ahead)) {
          this.report(
            `${path}/${stray.name}`,
            `unexpected element ${stray.name} (expected ${declaration.name})`,
          );
        }
        cursor.position = ahead;
        continue;
      }
      cursor.position++;
      count++;
      const isRepeated = owner.isRepeated(declaration.name);
      const existing = value[declaration.name];
      const items = Array.isArray(existing) ? existing : [];
      const childPath = isRepeated
        ? `${path}/${declaration.name}[${items.length + 1}]`
        : `${path}/${declaration.name}`;
      if (child.ns !== declaration.ns) {
        this.report(
          childPath,
          declaration.ns === ''
            ? `${declaration.name} must not be namespace-qualified (found namespace ${child.ns})`
            : `${declaration.name} must be in namespace ${declaration.ns}${child.ns === '' ? ' (found no namespace)' : ` (found ${child.ns})`}`,
        );
      }
      const read = this.readElement(declaration, child, childPath);
      if (isRepeated) value[declaration.name] = [...items, read];
      else value[declaration.name] = read;
    }
    if (count < particle.min) {
      this.report(path, `missing required element ${declaration.name}`);
    }
  }

  private matchWildcard(
    particle: Extract<Particle, { kind: 'any' }>,
    cursor: Cursor,
    value: Record<string, unknown>,
  ): void {
    let count = 0;
    while (count < particle.max && cursor.position < cursor.children.length) {
      const child = cursor.children[cursor.position] as XmlElement;
      if (!wildcardAccepts(particle.wildcard, child.ns)) break;
      cursor.position++;
      count++;
      const read = readAnyValue(child);
      const existing = value[child.name];
      if (particle.max > 1)
        value[child.name] = [...(Array.isArray(existing) ? existing : []), read];
      else value[child.name] = read;
    }
  }
}

/** Content of xsd:anyType or a wildcard: text, or an object of children (repeats as arrays). */
export function readAnyValue(node: XmlElement): unknown {
  const attributes: Record<string, unknown> = {};
  for (const attribute of node.attributes) {
    if (attribute.ns === XSI_NAMESPACE || attribute.ns === 'http://www.w3.org/2000/xmlns/')
      continue;
    attributes[attribute.name] = attribute.value;
  }
  if (node.children.length === 0) {
    return Object.keys(attributes).length === 0 ? node.text : { value: node.text, ...attributes };
  }
  const value: Record<string, unknown> = attributes;
  const counts = new Map<string, number>();
  for (const child of node.children) counts.set(child.name, (counts.get(child.name) ?? 0) + 1);
  for (const child of node.children) {
    const read = readAnyValue(child);
    if ((counts.get(child.name) ?? 0) > 1)
      value[child.name] = [...((value[child.name] as unknown[]) ?? []), read];
    else value[child.name] = read;
  }
  return value;
}
