import type { LoadedPartner } from '../../partners/registry';

/** How the gateway protects itself and the other receivers from one receiver. */
export interface EndpointLimits {
  maxConcurrency: number;
  failureThreshold: number;
  cooldownMs: number;
  /** How long an admitted send may hold its place before it is presumed lost (its process died). */
  leaseMs: number;
}

export const DEFAULT_ENDPOINT_LIMITS = {
  maxConcurrency: 8,
  failureThreshold: 5,
  cooldownSeconds: 30,
};

/** A send's own timeout plus this is how long its slot is held at most. */
const LEASE_MARGIN_MS = 5_000;
const DEFAULT_TIMEOUT_MS = 10_000;

/** The webhook channel's limits, defaults filled in; undefined for any other channel. */
export function endpointLimitsOf(partner: LoadedPartner): EndpointLimits | undefined {
  const outbound = partner.config.outbound;
  const webhook = outbound?.channel === 'webhook' ? outbound.webhook : undefined;
  if (!webhook) return undefined;
  const breaker = webhook.circuitBreaker ?? {};
  return {
    maxConcurrency: webhook.maxConcurrency ?? DEFAULT_ENDPOINT_LIMITS.maxConcurrency,
    failureThreshold: breaker.failureThreshold ?? DEFAULT_ENDPOINT_LIMITS.failureThreshold,
    cooldownMs: (breaker.cooldownSeconds ?? DEFAULT_ENDPOINT_LIMITS.cooldownSeconds) * 1000,
    leaseMs: (webhook.timeoutMs ?? DEFAULT_TIMEOUT_MS) + LEASE_MARGIN_MS,
  };
}
