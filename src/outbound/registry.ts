import type { ConfigFolders } from '../config';
import type { OutboundAdapter } from './adapter';
import { createSoapOutbound } from './soap';
import { webhookOutbound } from './webhook';
import { createX12OutboundAdapters, type X12OutboundDeps } from './x12';
import { x12Transports } from './x12/transports';

/**
 * Channel name (a partner file's `outbound.channel`) → adapter. A new protocol is one line here;
 * the X12 channels share one adapter shape over their transports.
 */
export function createOutboundAdapters(
  x12: Omit<X12OutboundDeps, 'transports'>,
  /** Where partners' WSDLs and the maps are (the gateway's configuration folders). */
  folders: ConfigFolders,
): ReadonlyMap<string, OutboundAdapter> {
  return new Map(
    [
      webhookOutbound,
      createSoapOutbound(folders),
      ...createX12OutboundAdapters({ ...x12, transports: x12Transports }),
    ].map((adapter) => [adapter.name, adapter]),
  );
}
