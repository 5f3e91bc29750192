import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { GatewayConfig } from '../../config';
import { documentKinds, type DocumentKind } from '../../canonical';
import { loadMaps, type MapCatalog } from '../../mapping';
import { builtInEdiMapsDir, loadTransactionSetSchemas } from '../../x12/schema';
import type { InboundAdapter } from '../adapter';
import { createX12Interpreter, type X12Runtime } from './interpret';
import { mountX12Http } from './receive';

/** The transaction-set schemas and maps, from CROSSDOCK_HOME's edi-maps first, then the built-in. */
export function loadX12Runtime(config: GatewayConfig): X12Runtime {
  // The inbound interpreter and the outbound adapters share one load per configuration.
  const loaded = runtimes.get(config);
  if (loaded) return loaded;
  const builtIn = builtInEdiMapsDir();
  const dirs = config.folders.ediMaps === builtIn ? [builtIn] : [config.folders.ediMaps, builtIn];
  const maps = loadMaps(dirs);
  const inboundMaps = readInboundMaps(dirs, maps);
  const runtime = { schemas: loadTransactionSetSchemas(dirs), maps, inboundMaps, mapDirs: dirs };
  runtimes.set(config, runtime);
  return runtime;
}
const runtimes = new WeakMap<GatewayConfig, X12Runtime>();

/**
 * edi-maps/x12-inbound.yaml, from the first folder that has one: which transaction set goes
 * through which map to which canonical document. Checked against the maps and documents.
 */
function readInboundMaps(
  dirs: string[],
  maps: MapCatalog,
): Map<string, { map: string; kind: DocumentKind }> {
  const file = dirs
    .map((dir) => path.join(dir, 'x12-inbound.yaml'))
    .find((candidate) => existsSync(candidate));
  const routes = new Map<string, { map: string; kind: DocumentKind }>();
  if (!file) return routes;
  const kinds = new Set<string>(documentKinds.map((d) => d.kind));
  const document = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as Record<
    string,
    { map?: unknown; document?: unknown }
  >;
  for (const [setId, route] of Object.entries(document)) {
    const where = `${file} at /${setId}`;
    if (!/^\d{3}$/.test(setId)) throw new Error(`${where}: a transaction set id is three digits`);
    if (typeof route?.map !== 'string' || !maps.get(route.map))
      throw new Error(`${where}: no map named "${String(route?.map)}"`);
    if (typeof route.document !== 'string' || !kinds.has(route.document)) {
      throw new Error(`${where}: "${String(route.document)}" is not a canonical document kind`);
    }
    routes.set(setId, { map: route.map, kind: route.document as DocumentKind });
  }
  return routes;
}

/** ASC X12 interchanges posted over HTTP(S) by trading partners. */
export const x12HttpInbound: InboundAdapter = {
  protocol: 'x12',
  mount: mountX12Http,
  createInterpreter: (config) => createX12Interpreter(loadX12Runtime(config)),
};
