import type { OutboundAdapter } from '../adapter';
import { sendWebhook } from './send';

/** Signed webhooks (Standard Webhooks) to internal apps and SaaS receivers. */
export const webhookOutbound: OutboundAdapter = {
  name: 'webhook',
  send: sendWebhook,
};
