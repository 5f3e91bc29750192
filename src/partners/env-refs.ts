/** `${NAME}` or `${NAME:-default}`, the only way partner files mention environment values. */
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface ResolvedValue<T> {
  value: T;
  /** Variables referenced without a default that the environment does not set. */
  missing: string[];
}

/**
 * Replaces environment references in every string of a parsed config value. A reference to
 * an unset variable without a default is left as written and reported, so the part of the
 * config that needs it can refuse to run while the rest of the partner still works.
 */
export function resolveEnvRefs<T>(value: T, env: NodeJS.ProcessEnv): ResolvedValue<T> {
  const missing = new Set<string>();
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') {
      return node.replace(REFERENCE, (whole, name: string, fallback: string | undefined) => {
        const set = env[name];
        if (set !== undefined && set !== '') return set;
        if (fallback !== undefined) return fallback;
        missing.add(name);
        return whole;
      });
    }
    if (Array.isArray(node)) return node.map(visit);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v)]));
    }
    return node;
  };
  return { value: visit(value) as T, missing: [...missing] };
}

/** The variable names still unresolved in a value, e.g. a webhook secret nobody exported. */
export function unresolvedRefs(value: string): string[] {
  return [...value.matchAll(REFERENCE)].map((match) => match[1]!);
}
