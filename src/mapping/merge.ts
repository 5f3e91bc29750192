/**
 * How a map file that `extends` another one (and a `$use` of a named template) combines with
 * what it builds on: mappings merge key by key at any depth, anything else (text, lists)
 * replaces, `~` (null) removes the key, and `$replace: true` on a mapping replaces instead of
 * merging. Origins remember which file each merged key came from, so a compile error in a
 * partner override names the file that holds the mistake.
 */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class Origins {
  private readonly files = new WeakMap<object, Map<string, string>>();

  set(object: object, key: string, file: string): void {
    let keys = this.files.get(object);
    if (!keys) this.files.set(object, (keys = new Map()));
    keys.set(key, file);
  }

  /** The file that wrote `object[key]`, when `object` was built by a merge. */
  fileOf(object: object, key: string): string | undefined {
    return this.files.get(object)?.get(key);
  }
}

function replaces(value: unknown): boolean {
  return isPlainObject(value) && value.$replace === 'true';
}

function withoutReplaceFlag(value: unknown): unknown {
  if (!isPlainObject(value) || !('$replace' in value)) return value;
  const { $replace: _flag, ...rest } = value;
  return rest;
}

/** `override` laid over `base`; undefined when the override removes the value. */
export function mergeMapData(
  base: unknown,
  baseFile: string,
  override: unknown,
  overrideFile: string,
  origins: Origins,
): unknown {
  if (override === null) return undefined;
  if (!isPlainObject(base) || !isPlainObject(override) || replaces(override)) {
    return withoutReplaceFlag(override);
  }
  const merged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) {
    merged[key] = value;
    origins.set(merged, key, origins.fileOf(base, key) ?? baseFile);
  }
  for (const [key, value] of Object.entries(override)) {
    if (key === '$replace') continue;
    if (value === null) {
      delete merged[key];
      continue;
    }
    merged[key] =
      key in merged
        ? mergeMapData(
            merged[key],
            origins.fileOf(base, key) ?? baseFile,
            value,
            overrideFile,
            origins,
          )
        : withoutReplaceFlag(value);
    origins.set(merged, key, overrideFile);
  }
  return merged;
}
