import type { Queue } from 'bullmq';
import type { Router } from 'express';
import type Redis from 'ioredis';
import type { GatewayConfig } from '../config';
import type { Logger } from '../log';
import type { PartnerRegistry } from '../partners/registry';
import type { Intake } from '../pipeline/intake';
import type { Interpreter } from '../pipeline/interpreter';
import type { IngestJob } from '../pipeline/queues';
import type { MessageStore } from '../store/message-store';

export interface InboundContext {
  intake: Intake;
  /** For intakes that stream bodies of any size into the store themselves. */
  store: MessageStore;
  ingestQueue: Queue<IngestJob>;
  /** The producer connection, for what an adapter remembers briefly (webhook delivery ids). */
  redis: Redis;
  partners: PartnerRegistry;
  config: GatewayConfig;
  logger: Logger;
}

/**
 * An inbound protocol: `prepare` (optional) loads its configuration at start; `mount` adds its endpoints (which turn a request into an intake call);
 * `createInterpreter`, called once at a worker's start (where it loads and compiles what it
 * needs: schemas, maps), returns what turns a stored message into canonical documents.
 */
export interface InboundAdapter {
  protocol: string;
  /** Loads what mount and createInterpreter need that takes I/O (WSDLs); called once, first. */
  prepare?(config: GatewayConfig, partners: PartnerRegistry): Promise<void>;
  mount(router: Router, context: InboundContext): void;
  createInterpreter(config: GatewayConfig): Interpreter;
}
