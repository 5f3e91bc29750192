/**
 * The operator's view of subscribers' webhook endpoints: which are disabled by a 410 Gone,
 * each one's circuit and sends in flight, and enabling one again (optionally replaying what
 * was dead-lettered while it was disabled).
 */
import express, { type RequestHandler, type Router } from 'express';
import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { EndpointGate } from '../outbound/delivery-guard/endpoint-gate';
import { endpointLimitsOf, type EndpointLimits } from '../outbound/delivery-guard/settings';
import type { LoadedPartner, PartnerRegistry } from '../partners/registry';
import { replayDeadLetters } from '../pipeline/dead-letter-replay';
import type { DeliverJob } from '../pipeline/queues';
import { enableEndpoint, listEndpointStates, type EndpointState } from '../store/endpoint-states';
import type { MessageStore } from '../store/message-store';
import { Problem } from './problem';

export interface EndpointsApiDeps {
  store: MessageStore;
  partners: PartnerRegistry;
  deliverQueue: Queue<DeliverJob>;
  /** Where the circuits live (the deliver workers' shared state). */
  redis: Redis;
  /** The operator API's authentication, as every /api/v1 route uses it. */
  operator: RequestHandler;
}

const PATH = '/api/v1/endpoints';

export function mountEndpointsApi(router: Router, deps: EndpointsApiDeps): void {
  const gate = new EndpointGate(deps.redis);

  router.get(PATH, deps.operator, async (_req, res) => {
    const states = new Map(
      (await listEndpointStates(deps.store.db)).map((state) => [state.partnerId, state]),
    );
    const endpoints = await Promise.all(
      webhookSubscribers(deps.partners).map(({ partner, limits }) =>
        present(partner, limits, states.get(partner.config.id), gate),
      ),
    );
    res.json({ endpoints });
  });

  router.post(
    `${PATH}/:partner/enable`,
    deps.operator,
    express.json({ limit: '4kb' }),
    async (req, res) => {
      const partnerId = String(req.params.partner);
      const subscriber = webhookSubscribers(deps.partners).find(
        ({ partner }) => partner.config.id === partnerId,
      );
      if (!subscriber)
        throw new Problem(404, 'not-found', `No partner ${partnerId} with a webhook endpoint.`);
      const wantsReplay = readReplayFlag(req.body);
      const { state, wasDisabledAt } = await enableEndpoint(deps.store.db, partnerId);
      // A fresh start: the failures that led up to the 410 say nothing about the new endpoint.
      await gate.reset(partnerId);
      const replayed =
        wantsReplay && wasDisabledAt
          ? (
              await replayDeadLetters(
                { destination: partnerId, since: wasDisabledAt, max: Number.MAX_SAFE_INTEGER },
                deps,
                'replayed when its endpoint was enabled',
              )
            ).replayed
          : 0;
      res.json({
        endpoint: await present(subscriber.partner, subscriber.limits, state, gate),
        wasDisabledAt,
        replayed,
      });
    },
  );
}

function webhookSubscribers(partners: PartnerRegistry) {
  return partners.all().flatMap((partner) => {
    const limits = endpointLimitsOf(partner);
    return limits ? [{ partner, limits }] : [];
  });
}

function readReplayFlag(body: unknown): boolean {
  if (body === undefined || body === null || (typeof body === 'object' && !Array.isArray(body))) {
    const flag = (body as { replayDeadLetters?: unknown } | undefined)?.replayDeadLetters;
    if (flag === undefined || typeof flag === 'boolean') return flag ?? false;
  }
  throw new Problem(400, 'validation-failed', 'replayDeadLetters must be true or false.', {
    errors: [{ pointer: '#/replayDeadLetters', detail: 'must be a boolean' }],
  });
}

async function present(
  partner: LoadedPartner,
  limits: EndpointLimits,
  state: EndpointState | undefined,
  gate: EndpointGate,
) {
  return {
    partner: partner.config.id,
    channel: 'webhook',
    status: state?.disabledAt ? 'disabled' : 'enabled',
    disabledAt: state?.disabledAt ?? null,
    disabledReason: state?.disabledReason ?? null,
    disabledByDelivery: state?.disabledByDelivery ?? null,
    enabledAt: state?.enabledAt ?? null,
    maxConcurrency: limits.maxConcurrency,
    circuitBreaker: {
      failureThreshold: limits.failureThreshold,
      cooldownSeconds: limits.cooldownMs / 1000,
    },
    circuit: await gate.describe(partner.config.id),
  };
}
