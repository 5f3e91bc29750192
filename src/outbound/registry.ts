import type { OutboundAdapter } from './adapter';
import { webhookOutbound } from './webhook';

/** Channel name (a partner file's `outbound.channel`) → adapter. A new protocol is one line here. */
export const outboundAdapters: ReadonlyMap<string, OutboundAdapter> = new Map(
  [webhookOutbound].map((adapter) => [adapter.name, adapter]),
);
