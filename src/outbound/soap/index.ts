import path from 'node:path';
import type { ConfigFolders } from '../../config';
import { loadMaps, type MapCatalog } from '../../mapping';
import { projectRoot } from '../../runtime/project-root';
import { DeliveryError, type OutboundAdapter } from '../adapter';
import { SoapClients } from './clients';
import { sendSoapCall } from './send';

/**
 * Calls of partners' own SOAP services (a bank's status callback): the operation and the map
 * per event type come from the partner file's `outbound.soap`, the WSDL from wsdl/.
 */
export function createSoapOutbound(
  folders: Pick<ConfigFolders, 'wsdl' | 'mappings'>,
): OutboundAdapter {
  const clients = new SoapClients(homeThenBuiltIn(folders.wsdl, 'wsdl'));
  let catalog: MapCatalog | undefined;
  const maps = (): MapCatalog => {
    if (!catalog) {
      try {
        catalog = loadMaps(homeThenBuiltIn(folders.mappings, 'mappings'));
      } catch (error) {
        throw new DeliveryError(
          `the maps in mappings/ cannot be loaded: ${(error as Error).message}`,
          false,
          null,
          undefined,
          { cause: error },
        );
      }
    }
    return catalog;
  };
  return {
    name: 'soap',
    send: (event, partner, context) => sendSoapCall(event, partner, context, { clients, maps }),
    close: async () => clients.close(),
  };
}

/** A CROSSDOCK_HOME folder first, then the built-in one it may lack files of. */
function homeThenBuiltIn(folder: string, name: string): string[] {
  const builtIn = path.join(projectRoot(), name);
  return path.resolve(folder) === builtIn ? [builtIn] : [folder, builtIn];
}
