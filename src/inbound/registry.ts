import type { InboundAdapter } from './adapter';
import { restInbound } from './rest';
import { soapInbound } from './soap';
import { webhookInbound } from './webhook';
import { x12HttpInbound } from './x12-http';

/** Every inbound protocol the gateway serves. A new protocol is a folder plus one line here. */
export const inboundAdapters: readonly InboundAdapter[] = [
  restInbound,
  x12HttpInbound,
  webhookInbound,
  soapInbound,
];
