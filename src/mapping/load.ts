/**
 * Finds, reads, checks and resolves map files. A map folder (edi-maps/, mappings/) holds
 * `maps/**\/*.yaml` (the maps, found by name) and `partners/<partnerId>/*.yaml` (a partner's
 * own versions, usually `extends:` of a map in maps/). Given several folders, the first one
 * holding a file wins for that file: CROSSDOCK_HOME/edi-maps first, the built-in edi-maps after,
 * so a home folder overrides single files and inherits the rest. A file that extends its own
 * path extends the next folder's copy of it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { DIRECTIVES } from './compile';
import { MapLoadError } from './errors';
import { isPlainObject, mergeMapData, Origins } from './merge';
import mapSchema from './map.schema.json';

export interface MapFileLocation {
  /** Index of the folder in the list it was found in (0 wins over 1). */
  dirIndex: number;
  /** Path in the folder, with forward slashes: `maps/850-purchase-order.yaml`. */
  relativePath: string;
  file: string;
}

/** One map, its `extends` chain merged into one document. */
export interface ResolvedMap {
  name: string;
  partnerId?: string;
  relativePath: string;
  /** The file the map was loaded as. */
  file: string;
  /** The files of the extends chain, the most basic first, `file` last. */
  files: string[];
  document: Record<string, unknown>;
  origins: Origins;
}

const ajv = new Ajv2020({
  allErrors: true,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
});
const validateMapFile = ajv.compile(mapSchema);

const MAP_FILE = /\.ya?ml$/;

function listYamlFiles(dir: string, relative: string, out: string[]): void {
  const absolute = path.join(dir, relative);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) return;
  for (const entry of readdirSync(absolute, { withFileTypes: true })) {
    const entryPath = path.posix.join(relative, entry.name);
    if (entry.isDirectory()) listYamlFiles(dir, entryPath, out);
    else if (MAP_FILE.test(entry.name)) out.push(entryPath);
  }
}

/** Every map file of every folder, the first folder's copy of each path winning. */
export function findMapFiles(dirs: string[]): MapFileLocation[] {
  const winners = new Map<string, MapFileLocation>();
  dirs.forEach((dir, dirIndex) => {
    const found: string[] = [];
    listYamlFiles(dir, 'maps', found);
    listYamlFiles(dir, 'partners', found);
    for (const relativePath of found.sort()) {
      if (!winners.has(relativePath)) {
        winners.set(relativePath, { dirIndex, relativePath, file: path.join(dir, relativePath) });
      }
    }
  });
  return [...winners.values()];
}

/** Reads one map file as YAML (every scalar as text, ~ as null) and checks it against map.schema.json. */
export function readMapFile(file: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, 'utf8'), {
      schema: 'failsafe',
      customTags: ['null'],
      prettyErrors: true,
    });
  } catch (error) {
    if (error instanceof YAMLParseError)
      throw new MapLoadError(file, '', `not valid YAML: ${error.message}`);
    throw error;
  }
  if (!validateMapFile(document)) {
    const error = mostUseful(validateMapFile.errors ?? []);
    throw new MapLoadError(file, pointerOf(error), describe(error));
  }
  return document as Record<string, unknown>;
}

function mostUseful(errors: ErrorObject[]): ErrorObject | undefined {
  const named = errors.find((error) => error.keyword === 'propertyNames');
  if (named) return named;
  // The deepest error is the most specific; combinators (anyOf, if) restate it.
  return [...errors].sort((a, b) => pointerOf(b).length - pointerOf(a).length)[0];
}

function pointerOf(error: ErrorObject | undefined): string {
  if (!error) return '';
  const token = (name: unknown) => `/${String(name).replace(/~/g, '~0').replace(/\//g, '~1')}`;
  switch (error.keyword) {
    case 'required':
      return error.instancePath + token(error.params.missingProperty);
    case 'additionalProperties':
      return error.instancePath + token(error.params.additionalProperty);
    case 'propertyNames':
      return error.instancePath + token(error.params.propertyName);
    default:
      return error.instancePath;
  }
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'is not a valid map file';
  switch (error.keyword) {
    case 'required':
      return error.params.missingProperty === 'output'
        ? 'is required: a map that extends no other map needs an output template'
        : 'is required';
    case 'additionalProperties':
      if (error.instancePath.endsWith('/$pairs'))
        return 'is not a key of $pairs (keys: $each, $when, elements, qualifier, value)';
      if (error.instancePath.startsWith('/codes/'))
        return 'is not a key of a code table (keys: description, values, unknown, default)';
      return 'is not a known setting (settings: name, description, source, target, extends, codes, templates, output)';
    case 'propertyNames': {
      const name = String(error.params.propertyName);
      return name.startsWith('$')
        ? `unknown directive "${name}" (directives: ${DIRECTIVES.join(', ')}); write $${name} for a literal key`
        : 'is not a valid name (letters, digits, - and _, starting with a letter)';
    }
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).map((v) => (v === null ? '~' : String(v))).join(', ')}`;
    case 'type':
      return `must be ${String(error.params.type).replace(/,/g, ' or ')}`;
    default:
      return error.message ?? 'is not valid';
  }
}

/** Reads every winning map file and merges each with what it extends. */
export function resolveMaps(dirs: string[]): ResolvedMap[] {
  const locations = findMapFiles(dirs);
  const origins = new Origins();
  const cache = new Map<string, Record<string, unknown>>();
  const read = (file: string) => {
    let document = cache.get(file);
    if (!document) cache.set(file, (document = readMapFile(file)));
    return document;
  };
  const locate = (relativePath: string, fromIndex: number): MapFileLocation | undefined => {
    for (let dirIndex = fromIndex; dirIndex < dirs.length; dirIndex++) {
      const file = path.join(dirs[dirIndex]!, relativePath);
      if (existsSync(file)) return { dirIndex, relativePath, file };
    }
    return undefined;
  };
  const resolve = (location: MapFileLocation, chain: string[]): ResolvedMap => {
    const own = read(location.file);
    const partnerId = /^partners\/([^/]+)\//.exec(location.relativePath)?.[1];
    const stem = path.posix.basename(location.relativePath).replace(MAP_FILE, '');
    const ownName = typeof own.name === 'string' ? own.name : undefined;
    if (typeof own.extends !== 'string') {
      return {
        name: ownName ?? stem,
        partnerId,
        relativePath: location.relativePath,
        file: location.file,
        files: [location.file],
        document: own,
        origins,
      };
    }
    const target = own.extends;
    const baseLocation =
      target === location.relativePath ? locate(target, location.dirIndex + 1) : locate(target, 0);
    if (!baseLocation) {
      throw new MapLoadError(
        location.file,
        '/extends',
        `${target} is not in ${target === location.relativePath ? 'a later map folder' : 'any map folder'} (${dirs.join(', ')})`,
      );
    }
    if (chain.includes(baseLocation.file)) {
      throw new MapLoadError(
        location.file,
        '/extends',
        `extends itself: ${[...chain, baseLocation.file].join(' → ')}`,
      );
    }
    const base = resolve(baseLocation, [...chain, baseLocation.file]);
    const { extends: _extends, name: _name, ...overrides } = own;
    const document = mergeMapData(base.document, base.file, overrides, location.file, origins);
    return {
      name: ownName ?? (partnerId ? base.name : stem),
      partnerId,
      relativePath: location.relativePath,
      file: location.file,
      files: [...base.files, location.file],
      document: isPlainObject(document) ? document : {},
      origins,
    };
  };
  return locations.map((location) => resolve(location, [location.file]));
}
