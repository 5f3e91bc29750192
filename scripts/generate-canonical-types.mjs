#!/usr/bin/env node
/**
 * Generates src/canonical/types.generated.ts from the JSON Schemas in src/canonical/schemas/.
 *
 *   node scripts/generate-canonical-types.mjs           write the file if it changed
 *   node scripts/generate-canonical-types.mjs --check   exit 1 if the file is out of date
 *   node scripts/generate-canonical-types.mjs --stdout  print what the file should contain
 *
 * The schemas reference each other by $id ("common.json#/$defs/Party"). They are merged into
 * one schema whose $defs hold every named shape exactly once, so each TypeScript type is
 * declared once however many documents use it. A $ref becomes a `tsType` naming its target:
 * json-schema-to-typescript then neither resolves nor copies it, and descriptions written
 * beside a $ref stay on the property instead of spawning a duplicate type (`Decimal1`).
 * The output depends only on the schema files, so it is the same on every machine.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';
import prettier from 'prettier';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(repoRoot, 'src/canonical/schemas');
const outputFile = join(repoRoot, 'src/canonical/types.generated.ts');
const rootTypeName = 'CanonicalSchemas';

/** Reads every *.schema.json, in name order so the output never depends on the file system. */
function loadSchemas() {
  return readdirSync(schemaDir)
    .filter((name) => name.endsWith('.schema.json'))
    .sort()
    .map((name) => {
      const schema = JSON.parse(readFileSync(join(schemaDir, name), 'utf8'));
      if (typeof schema.$id !== 'string') throw new Error(`${name}: missing $id`);
      if (typeof schema.title !== 'string') throw new Error(`${name}: missing title`);
      return { name, schema };
    });
}

/** A schema file describes a type of its own when its root says what the value is. */
function hasRootType(schema) {
  return 'type' in schema || 'properties' in schema || 'oneOf' in schema;
}

/** Maps an absolute $ref to the name of the type it points at. */
function createRefNamer(files) {
  const byId = new Map(files.map((file) => [file.schema.$id, file]));
  return (ref, baseId, where) => {
    const url = new URL(ref, baseId);
    const fragment = decodeURIComponent(url.hash.replace(/^#/, ''));
    url.hash = '';
    const target = byId.get(url.href);
    if (!target) throw new Error(`${where}: $ref ${ref} names no schema in ${schemaDir}`);
    if (fragment === '') return target.schema.title;
    const match = /^\/\$defs\/([^/]+)$/.exec(fragment);
    const def = match && target.schema.$defs?.[match[1]];
    if (!match || !def)
      throw new Error(`${where}: $ref ${ref} must point at a schema or one of its $defs`);
    if (def.title !== match[1]) {
      throw new Error(`${target.name}: $defs/${match[1]} must have title "${match[1]}"`);
    }
    return match[1];
  };
}

/** Copies a schema, turning each $ref into a tsType naming the referenced type. */
function rewriteRefs(node, baseId, nameOfRef, where) {
  if (Array.isArray(node)) return node.map((item) => rewriteRefs(item, baseId, nameOfRef, where));
  if (node === null || typeof node !== 'object') return node;
  const copy = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref') copy.tsType = nameOfRef(value, baseId, where);
    else if (key === '$id' || key === '$schema' || key === '$defs') continue;
    // `const` and `enum` values are data, not schemas: copy them untouched.
    else if (key === 'const' || key === 'enum') copy[key] = value;
    else copy[key] = rewriteRefs(value, baseId, nameOfRef, where);
  }
  return copy;
}

/** One schema with every named shape in $defs, and a root listing each file's own type. */
function mergeSchemas(files) {
  const nameOfRef = createRefNamer(files);
  const defs = {};
  const rootProperties = {};
  const addDef = (name, schema, where) => {
    if (name in defs) throw new Error(`${where}: type name ${name} is defined twice`);
    defs[name] = rewriteRefs(schema, where.baseId, nameOfRef, where.file);
  };
  for (const { name: file, schema } of files) {
    const where = { file, baseId: schema.$id };
    if (hasRootType(schema)) {
      addDef(schema.title, schema, where);
      rootProperties[schema.title] = { tsType: schema.title };
    }
    for (const [defName, def] of Object.entries(schema.$defs ?? {})) {
      if (def.title !== defName)
        throw new Error(`${file}: $defs/${defName} must have title "${defName}"`);
      addDef(defName, def, where);
    }
  }
  return {
    title: rootTypeName,
    description:
      'Every canonical schema by title: the type of a value that conforms to that schema file.',
    type: 'object',
    additionalProperties: false,
    required: Object.keys(rootProperties),
    properties: rootProperties,
    $defs: defs,
  };
}

/** json-schema-to-typescript says where each definition came from; the banner already does. */
function removeDefinitionProvenance(source) {
  return source
    .replace(
      /^ \* This interface was referenced by `[^`]+`'s JSON-Schema\n \* via the `definition` "[^"]+"\.\n/gm,
      '',
    )
    .replace(/^ \*\s*\n(?= \*\/)/gm, '')
    .replace(/^\/\*\*\n \*\/\n/gm, '');
}

export async function generateCanonicalTypes() {
  const files = loadSchemas();
  const merged = mergeSchemas(files);
  const body = await compile(merged, rootTypeName, {
    bannerComment: '',
    format: false,
    unreachableDefinitions: true,
    unknownAny: true,
    strictIndexSignatures: false,
    additionalProperties: true,
    // Plain arrays: `minItems: 1` as a `[T, ...T[]]` tuple would make every array built with
    // map() or filter() fail to type-check. The validator still enforces the bounds.
    ignoreMinAndMaxItems: true,
  });
  const banner = [
    '/**',
    ` * GENERATED by scripts/generate-canonical-types.mjs from ${relative(repoRoot, schemaDir)}/*.schema.json.`,
    ' * Do not edit: change a schema, then run `npm run gen:types`.',
    ' */',
    '',
    '',
  ].join('\n');
  const source = banner + removeDefinitionProvenance(body);
  const config = (await prettier.resolveConfig(outputFile)) ?? {};
  return prettier.format(source, { ...config, filepath: outputFile });
}

/** Writes `generated` to `outputFile`, or with --check/--stdout only compares or prints it. */
export function writeGenerated(outputFile, generated, args) {
  let current = '';
  try {
    current = readFileSync(outputFile, 'utf8');
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  const name = relative(repoRoot, outputFile);
  if (args.includes('--stdout')) {
    process.stdout.write(generated);
  } else if (args.includes('--check')) {
    if (generated !== current) {
      console.error(`${name} is out of date: run npm run gen:types`);
      process.exitCode = 1;
    }
  } else if (generated === current) {
    console.log(`${name} is up to date`);
  } else {
    writeFileSync(outputFile, generated);
    console.log(`wrote ${name}`);
  }
}

async function main(args) {
  writeGenerated(outputFile, await generateCanonicalTypes(), args);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
