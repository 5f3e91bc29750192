import type { Router } from 'express';
import type { GatewayConfig } from '../config';
import type { Logger } from '../log';
import type { PartnerRegistry } from '../partners/registry';
import type { Intake } from '../pipeline/intake';
import type { Interpreter } from '../pipeline/interpreter';

export interface InboundContext {
  intake: Intake;
  partners: PartnerRegistry;
  config: GatewayConfig;
  logger: Logger;
}

/**
 * An inbound protocol: `mount` adds its endpoints (which turn a request into an intake call)
 * and `interpret` turns a stored message of its protocol into canonical documents.
 */
export interface InboundAdapter {
  protocol: string;
  mount(router: Router, context: InboundContext): void;
  interpret: Interpreter;
}
