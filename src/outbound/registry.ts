import type { OutboundAdapter } from './adapter';
import { webhookOutbound } from './webhook';
import { createX12OutboundAdapters, type X12OutboundDeps } from './x12';
import { x12Transports } from './x12/transports';

/**
 * Channel name (a partner file's `outbound.channel`) → adapter. A new protocol is one line here;
 * the X12 channels share one adapter shape over their transports.
 */
export function createOutboundAdapters(
  x12: Omit<X12OutboundDeps, 'transports'>,
): ReadonlyMap<string, OutboundAdapter> {
  return new Map(
    [webhookOutbound, ...createX12OutboundAdapters({ ...x12, transports: x12Transports })].map(
      (adapter) => [adapter.name, adapter],
    ),
  );
}
