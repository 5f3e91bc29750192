/**
 * The canonical JSON Schemas as OpenAPI 3.1 components. OpenAPI 3.1 takes JSON Schema 2020-12
 * as it is, so only the addressing changes: every file's root and every `$defs` entry becomes
 * one entry of `components/schemas`, and each `$ref` (relative to its file's `$id`) is
 * rewritten to point there. `$id` and `$schema` are dropped, because an `$id` left in place
 * would make `#/components/...` resolve against the schema's own URI instead of the document.
 */
import { schemaList, type CanonicalSchema } from '../../canonical/schemas';

export type JsonSchema = Record<string, unknown>;

const COMPONENTS_PREFIX = '#/components/schemas/';

/** A file whose root holds nothing but `$defs` (common.json) contributes only its `$defs`. */
function isDefinitionsOnly(schema: CanonicalSchema): boolean {
  return Object.keys(schema).every((keyword) =>
    ['$schema', '$id', 'title', 'description', '$comment', '$defs'].includes(keyword),
  );
}

/** `$id` + JSON pointer (`''` or `/$defs/Name`) -> component name, for every canonical schema. */
function nameComponents(schemas: readonly CanonicalSchema[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Map<string, string>();
  const claim = (target: string, name: string) => {
    const holder = taken.get(name);
    if (holder) throw new Error(`OpenAPI component ${name} named twice: ${holder} and ${target}`);
    taken.set(name, target);
    names.set(target, name);
  };
  for (const schema of schemas) {
    if (!isDefinitionsOnly(schema)) claim(schema.$id, schema.title);
    const defs = (schema.$defs ?? {}) as Record<string, unknown>;
    for (const name of Object.keys(defs)) claim(`${schema.$id}#/$defs/${name}`, name);
  }
  return names;
}

function rewriteRefs(node: unknown, baseId: string, names: Map<string, string>): unknown {
  if (Array.isArray(node)) return node.map((item) => rewriteRefs(item, baseId, names));
  if (typeof node !== 'object' || node === null) return node;
  const out: JsonSchema = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (keyword === '$ref' && typeof value === 'string') {
      const absolute = new URL(value, baseId);
      const pointer = decodeURIComponent(absolute.hash.slice(1));
      absolute.hash = '';
      const target = pointer === '' ? absolute.href : `${absolute.href}#${pointer}`;
      const name = names.get(target);
      if (!name) throw new Error(`canonical schema ${baseId}: $ref ${value} names no schema`);
      out[keyword] = COMPONENTS_PREFIX + name;
    } else {
      out[keyword] = rewriteRefs(value, baseId, names);
    }
  }
  return out;
}

export interface CanonicalComponents {
  schemas: Record<string, JsonSchema>;
  /** `$id` of a canonical schema -> its `$ref` in the OpenAPI document. */
  refOf(schemaId: string): string;
}

export function canonicalComponents(
  schemas: readonly CanonicalSchema[] = schemaList,
): CanonicalComponents {
  const names = nameComponents(schemas);
  const components: Record<string, JsonSchema> = {};
  for (const schema of schemas) {
    const { $schema: _dialect, $id, $defs, ...root } = schema;
    for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, unknown>)) {
      components[name] = rewriteRefs(def, $id, names) as JsonSchema;
    }
    if (!isDefinitionsOnly(schema))
      components[schema.title] = rewriteRefs(root, $id, names) as JsonSchema;
  }
  return {
    schemas: components,
    refOf(schemaId) {
      const name = names.get(schemaId);
      if (!name) throw new Error(`no canonical schema ${schemaId}`);
      return COMPONENTS_PREFIX + name;
    },
  };
}
