/**
 * Transaction-set schemas as data: edi-maps/x12/<version>/ holds elements.json, composites.json,
 * segments.json and one file per transaction set (850.json, 997.json, ...). They are read once
 * at start from an ordered list of edi-maps folders (the first folder holding a file wins, so a
 * CROSSDOCK_HOME/edi-maps can replace or add single files), checked against
 * edi-maps/x12/transaction-set.schema.json and their references, and compiled for validate.ts.
 * Adding a transaction set is adding a file.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { projectRoot } from '../runtime/project-root';
import {
  compileComposites,
  compileElements,
  compileSegments,
  compileTransactionSet,
  SchemaReferenceError,
} from './schema-compile';
import type { CompiledSegment, CompiledTransactionSet } from './compiled-schema';
import type {
  CompositeDictionary,
  ElementDictionary,
  SegmentDictionary,
  X12TransactionSetFile,
} from './transaction-set.generated';

export type {
  CompiledEntry,
  CompiledLevel,
  CompiledSegment,
  CompiledTransactionSet,
} from './compiled-schema';

/** Stops start-up: names the schema file, the JSON pointer in it, and what is wrong. */
export class TransactionSetSchemaError extends Error {
  constructor(
    readonly file: string,
    readonly pointer: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${pointer ? ` at ${pointer}` : ''}: ${reason}`, options);
    this.name = 'TransactionSetSchemaError';
  }
}

export interface TransactionSetSchemas {
  /**
   * The compiled set for a group's GS08 (matched on its first six characters, so 005010X231A1
   * finds 005010) and a set's ST01; undefined when no schema defines it.
   */
  get(version: string, setId: string): CompiledTransactionSet | undefined;
  /** Version folders loaded, e.g. ['004010', '005010']. */
  versions(): string[];
  /** Every compiled set, by version then set id. */
  all(): CompiledTransactionSet[];
}

const dictionaryFiles = ['elements.json', 'composites.json', 'segments.json'];
const metaSchemaId = 'https://schemas.crossdock.dev/edi-maps/x12/transaction-set.schema.json';

/** The edi-maps folder shipped with Crossdock. */
export function builtInEdiMapsDir(): string {
  return path.join(projectRoot(), 'edi-maps');
}

/**
 * Loads every version folder under `<dir>/x12/` of the given edi-maps folders, earlier folders
 * taking precedence per file (e.g. `[CROSSDOCK_HOME/edi-maps, builtInEdiMapsDir()]`).
 */
export function loadTransactionSetSchemas(dirs: string[]): TransactionSetSchemas {
  const validators = compileMetaSchema();
  const byVersion = new Map<string, Map<string, CompiledTransactionSet>>();
  for (const [version, files] of collectVersionFiles(dirs)) {
    const segments = loadDictionaries(version, files, validators);
    const sets = new Map<string, CompiledTransactionSet>();
    for (const [name, file] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
      if (dictionaryFiles.includes(name)) continue;
      const set = readChecked<X12TransactionSetFile>(file, validators.transactionSet);
      const expectedId = name.replace(/\.json$/, '');
      if (set.id !== expectedId) {
        throw new TransactionSetSchemaError(
          file,
          '/id',
          `must equal the file name "${expectedId}"`,
        );
      }
      if (set.version !== version) {
        throw new TransactionSetSchemaError(file, '/version', `must equal its folder "${version}"`);
      }
      sets.set(
        set.id,
        withFile(file, () => compileTransactionSet(file, set, segments)),
      );
    }
    byVersion.set(version, sets);
  }
  return {
    get: (version, setId) => byVersion.get(version.slice(0, 6))?.get(setId),
    versions: () => [...byVersion.keys()].sort(),
    all: () =>
      [...byVersion.keys()].sort().flatMap((version) => [...byVersion.get(version)!.values()]),
  };
}

interface MetaValidators {
  transactionSet: ValidateFunction;
  elements: ValidateFunction;
  composites: ValidateFunction;
  segments: ValidateFunction;
}

function compileMetaSchema(): MetaValidators {
  const file = path.join(builtInEdiMapsDir(), 'x12', 'transaction-set.schema.json');
  const metaSchema = JSON.parse(readFileSync(file, 'utf8')) as object;
  // strictTuples would insist a loop's structure be a fixed-length tuple; only its first item is fixed.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTuples: false });
  ajv.addSchema(metaSchema);
  const part = (name: string) => ajv.compile({ $ref: `${metaSchemaId}#/$defs/${name}` });
  return {
    transactionSet: ajv.getSchema(metaSchemaId)!,
    elements: part('elementDictionary'),
    composites: part('compositeDictionary'),
    segments: part('segmentDictionary'),
  };
}

/** version -> file name -> path, the first folder holding a name winning. */
function collectVersionFiles(dirs: string[]): Map<string, Map<string, string>> {
  const versions = new Map<string, Map<string, string>>();
  for (const dir of dirs) {
    const x12 = path.join(dir, 'x12');
    if (!existsSync(x12)) continue;
    for (const version of readdirSync(x12).sort()) {
      const folder = path.join(x12, version);
      if (!statSync(folder).isDirectory()) continue;
      if (!/^[0-9]{6}$/.test(version)) {
        throw new TransactionSetSchemaError(
          folder,
          '',
          'a version folder is named by six digits, e.g. 004010',
        );
      }
      const files = versions.get(version) ?? new Map<string, string>();
      for (const name of readdirSync(folder)) {
        if (name.endsWith('.json') && !files.has(name)) files.set(name, path.join(folder, name));
      }
      versions.set(version, files);
    }
  }
  return versions;
}

function loadDictionaries(
  version: string,
  files: ReadonlyMap<string, string>,
  validators: MetaValidators,
): Map<string, CompiledSegment> {
  const fileOf = (name: string) => {
    const file = files.get(name);
    if (!file) throw new TransactionSetSchemaError(`x12/${version}/${name}`, '', 'is missing');
    return file;
  };
  const elementsFile = fileOf('elements.json');
  const elements = withFile(elementsFile, () =>
    compileElements(readChecked<ElementDictionary>(elementsFile, validators.elements)),
  );
  const compositesFile = files.get('composites.json');
  const composites = compositesFile
    ? withFile(compositesFile, () =>
        compileComposites(
          readChecked<CompositeDictionary>(compositesFile, validators.composites),
          elements,
        ),
      )
    : new Map();
  const segmentsFile = fileOf('segments.json');
  return withFile(segmentsFile, () =>
    compileSegments(
      readChecked<SegmentDictionary>(segmentsFile, validators.segments),
      elements,
      composites,
    ),
  );
}

function readChecked<T>(file: string, validate: ValidateFunction): T {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new TransactionSetSchemaError(file, '', `not valid JSON: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
  if (!validate(document)) {
    const first = mostSpecific(validate.errors ?? []);
    throw new TransactionSetSchemaError(file, pointerOf(first), first?.message ?? 'invalid');
  }
  return document as T;
}

/** Runs a compile step, naming the file in any reference error it raises. */
function withFile<T>(file: string, compile: () => T): T {
  try {
    return compile();
  } catch (error) {
    if (error instanceof SchemaReferenceError) {
      throw new TransactionSetSchemaError(file, error.pointer, error.reason, { cause: error });
    }
    throw error;
  }
}

function mostSpecific(errors: ErrorObject[]): ErrorObject | undefined {
  // The deepest error is the most specific one; a oneOf error only says no branch matched, and
  // among equally deep errors ajv lists the first branch (a segment before a loop) first.
  const depth = (error: ErrorObject) => error.instancePath.split('/').length;
  const rank = (error: ErrorObject) => (error.keyword === 'oneOf' ? 1 : 0);
  return [...errors].sort((a, b) => depth(b) - depth(a) || rank(a) - rank(b))[0];
}

function pointerOf(error: ErrorObject | undefined): string {
  if (!error) return '';
  if (error.keyword === 'required') {
    return `${error.instancePath}/${String(error.params.missingProperty)}`;
  }
  if (error.keyword === 'additionalProperties') {
    return `${error.instancePath}/${String(error.params.additionalProperty)}`;
  }
  return error.instancePath;
}
