import type { InboundAdapter } from '../adapter';
import { createWebhookInterpreter } from './interpret';
import { mountWebhookIntake } from './receive';

/** Webhooks pushed by SaaS platforms and partners, verified, mapped from mappings/ to canonical documents. */
export const webhookInbound: InboundAdapter = {
  protocol: 'webhook',
  mount: mountWebhookIntake,
  createInterpreter: createWebhookInterpreter,
};
