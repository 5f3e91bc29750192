import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { documentKinds, type DocumentKind } from '../../canonical';
import type { MapCatalog } from '../../mapping';
import type { TransactionSetSchemas } from '../../x12/schema';

export interface OutboundSetRoute {
  /** ST01, e.g. 810. */
  set: string;
  map: string;
}

/** edi-maps/x12-outbound.yaml, read and checked: the route for a document kind and version. */
export interface OutboundMaps {
  routeFor(kind: DocumentKind, version: string): OutboundSetRoute | undefined;
  kinds(): DocumentKind[];
}

interface RouteEntry extends OutboundSetRoute {
  versions: Map<string, OutboundSetRoute>;
}

/**
 * Reads x12-outbound.yaml from the first folder that has one. Every map named must exist and
 * every set must have a schema in every version it can be used with, so a typo stops start-up
 * rather than dead-lettering documents later.
 */
export function loadOutboundMaps(
  dirs: string[],
  maps: MapCatalog,
  schemas: TransactionSetSchemas,
): OutboundMaps {
  const file = dirs
    .map((dir) => path.join(dir, 'x12-outbound.yaml'))
    .find((candidate) => existsSync(candidate));
  const routes = new Map<DocumentKind, RouteEntry>();
  if (file) {
    const kinds = new Set<string>(documentKinds.map((d) => d.kind));
    const document = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
    for (const [kind, value] of Object.entries(document)) {
      const where = `${file} at /${kind}`;
      if (!kinds.has(kind)) throw new Error(`${where}: "${kind}" is not a canonical document kind`);
      const base = readRoute(value, where, maps);
      const versions = new Map<string, OutboundSetRoute>();
      const overrides = (value as { versions?: unknown }).versions;
      if (overrides !== undefined) {
        if (typeof overrides !== 'object' || overrides === null)
          throw new Error(`${where}/versions: a mapping of version to { set, map }`);
        for (const [version, route] of Object.entries(overrides)) {
          versions.set(version, readRoute(route, `${where}/versions/${version}`, maps));
        }
      }
      for (const version of schemas.versions()) {
        const route = versions.get(version) ?? base;
        if (!schemas.get(version, route.set)) {
          throw new Error(`${where}: no ${version} schema for transaction set ${route.set}`);
        }
      }
      routes.set(kind as DocumentKind, { ...base, versions });
    }
  }
  return {
    routeFor(kind, version) {
      const entry = routes.get(kind);
      if (!entry) return undefined;
      return entry.versions.get(version.slice(0, 6)) ?? { set: entry.set, map: entry.map };
    },
    kinds: () => [...routes.keys()],
  };
}

function readRoute(value: unknown, where: string, maps: MapCatalog): OutboundSetRoute {
  const route = value as { set?: unknown; map?: unknown } | null;
  if (typeof route?.set !== 'string' || !/^\d{3}$/.test(route.set))
    throw new Error(`${where}: set must be a three-digit transaction set id in quotes`);
  if (typeof route.map !== 'string' || !maps.get(route.map))
    throw new Error(`${where}: no map named "${String(route.map)}"`);
  return { set: route.set, map: route.map };
}
