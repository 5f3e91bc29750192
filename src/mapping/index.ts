/**
 * Declarative maps (docs/maps.md): YAML files in edi-maps/ (and later mappings/), loaded and
 * compiled once at start, run synchronously per document. A partner's own version of a map
 * (`partners/<partnerId>/<file>.yaml`, usually extending the base map) is found first.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../runtime/project-root';
import { compileMapDocument } from './compile';
import { located, type TemplateNode } from './template-nodes';
import type { Scope } from './evaluation';
import { MapLoadError } from './errors';
import { resolveMaps, type ResolvedMap } from './load';

export { MapError, MapLoadError, type MapErrorCode } from './errors';

export interface CompiledMap {
  readonly name: string;
  /** Set for a partner's own version of a map. */
  readonly partnerId?: string;
  /** The file the map was loaded as (for a partner override, the override). */
  readonly file: string;
  /** The `extends` chain, the most basic file first. */
  readonly files: readonly string[];
  /** What the map says it produces, e.g. PurchaseOrder. */
  readonly target?: string;
  /** Maps one input; throws a MapError (file, output pointer, reason) when it cannot. */
  run(input: unknown): unknown;
}

export interface MapCatalog {
  /** The partner's own version of the map when it has one, else the map itself. */
  get(name: string, partnerId?: string): CompiledMap | undefined;
  list(): CompiledMap[];
}

class LoadedMap implements CompiledMap {
  readonly name: string;
  readonly partnerId?: string;
  readonly file: string;
  readonly files: readonly string[];
  readonly target?: string;
  private readonly root: TemplateNode;

  constructor(resolved: ResolvedMap) {
    this.name = resolved.name;
    this.partnerId = resolved.partnerId;
    this.file = resolved.file;
    this.files = resolved.files;
    const target = resolved.document.target;
    this.target = typeof target === 'string' ? target : undefined;
    this.root = compileMapDocument(resolved.document, resolved.file, resolved.origins).root;
  }

  run(input: unknown): unknown {
    const scope: Scope = { value: input, parent: undefined, root: input, position: 1 };
    try {
      return this.root.produce(scope) ?? {};
    } catch (error) {
      throw located(error, []).finish(this.file);
    }
  }
}

const key = (name: string, partnerId?: string) => (partnerId ? `${partnerId}/${name}` : name);

/**
 * Loads and compiles every map of the given folders, the first folder's copy of a file winning
 * (pass CROSSDOCK_HOME's folder before the built-in one; see mapDirectories). Throws a
 * MapLoadError naming the file, the path in it and the reason for the first bad map.
 */
export function loadMaps(dirs: string[]): MapCatalog {
  const maps = new Map<string, LoadedMap>();
  for (const resolved of resolveMaps(dirs)) {
    const compiled = new LoadedMap(resolved);
    const id = key(compiled.name, compiled.partnerId);
    const clash = maps.get(id);
    if (clash) {
      throw new MapLoadError(
        compiled.file,
        '/name',
        `the map name "${compiled.name}" is also used by ${clash.file}`,
      );
    }
    maps.set(id, compiled);
  }
  return {
    get: (name, partnerId) => (partnerId && maps.get(key(name, partnerId))) || maps.get(name),
    list: () => [...maps.values()],
  };
}

/** The edi-maps folders to load, CROSSDOCK_HOME's first when it has one. */
export function mapDirectories(home: string | undefined, folder = 'edi-maps'): string[] {
  const builtIn = path.join(projectRoot(), folder);
  const own = home ? path.resolve(home, folder) : undefined;
  return own && existsSync(own) && own !== builtIn ? [own, builtIn] : [builtIn];
}
