import path from 'node:path';
import { projectRoot } from '../runtime/project-root';
import { loadMaps, type MapCatalog } from './index';

const catalogs = new Map<string, MapCatalog>();

/**
 * The maps between partners' own payloads (webhook JSON, SOAP bodies) and canonical documents:
 * those of the given mappings folder (CROSSDOCK_HOME's) first, then the built-in ones. Loaded
 * and compiled once per folder, shared by every adapter that needs them.
 */
export function loadPayloadMaps(mappingsFolder: string): MapCatalog {
  const loaded = catalogs.get(mappingsFolder);
  if (loaded) return loaded;
  const builtIn = path.join(projectRoot(), 'mappings');
  const dirs = mappingsFolder === builtIn ? [builtIn] : [mappingsFolder, builtIn];
  const catalog = loadMaps(dirs);
  catalogs.set(mappingsFolder, catalog);
  return catalog;
}
