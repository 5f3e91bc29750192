import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { Problem } from '../../http/problem';
import { unresolvedRefs } from '../../partners/env-refs';
import type { WebhookInbound } from '../../partners/partner.generated';
import { IntakeUnavailableError } from '../../pipeline/intake';
import { recordRejectedRequest } from '../../pipeline/rejected-intake';
import type { InboundContext } from '../adapter';
import {
  loadWebhookMaps,
  mapPayload,
  parsePayload,
  routeOnArrival,
  settingsProblem,
} from './interpret';
import { DeliveryIds, deliveryIdOf } from './replay';
import { isWebhookVerified, type HeaderReader } from './verify';

const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * One answer for every webhook that is not taken as genuine (unknown source, bad or missing
 * signature, stale timestamp): telling them apart would help whoever is forging them.
 */
const NOT_VERIFIED = JSON.stringify(
  new Problem(401, 'unauthorized', 'The webhook could not be verified.').toJSON(),
);

interface Locals {
  partnerId: string;
  settings: WebhookInbound;
  secrets: string[];
}

/**
 * `POST /webhooks/:source`: a partner's webhook, verified over its raw bytes by the scheme its
 * partner file names, mapped at once (an unmappable payload is stored as rejected and answered
 * 422 with the reason), then taken by the durable intake and answered 202. A delivery id seen
 * before is answered 200 `duplicate`, so the sender stops retrying, and nothing is stored.
 */
export function mountWebhookIntake(router: Router, context: InboundContext): void {
  const maps = loadWebhookMaps(context.config);
  for (const partner of context.partners.all()) {
    const settings = partner.config.inbound?.webhook;
    const problem = settings && settingsProblem(settings, maps);
    if (problem) throw new Error(`${partner.file} at /inbound/webhook: ${problem}`);
  }
  const deliveryIds = new DeliveryIds(context.redis);
  const readBody = express.raw({ type: () => true, limit: context.config.maxBodyBytes });

  router.post(
    '/webhooks/:source',
    // The source is checked before a byte of the body is read.
    (req: Request, res: Response, next: NextFunction) => {
      const partner = context.partners.get(String(req.params.source));
      const settings =
        partner?.config.enabled === false ? undefined : partner?.config.inbound?.webhook;
      const secrets =
        settings?.secrets.filter((secret) => unresolvedRefs(secret).length === 0) ?? [];
      if (!partner || !settings || secrets.length === 0) return refuse(res);
      const locals: Locals = { partnerId: partner.config.id, settings, secrets };
      Object.assign(res.locals, locals);
      next();
    },
    readBody,
    async (req: Request, res: Response) => {
      const { partnerId, settings, secrets } = res.locals as Locals;
      const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const header: HeaderReader = (name) => req.get(name);
      const toleranceSeconds = settings.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
      const verification = { ...settings, secrets, toleranceSeconds };
      if (!isWebhookVerified(verification, header, raw, Math.floor(Date.now() / 1000))) {
        return refuse(res);
      }

      const parsed = parsePayload(raw);
      const payload = parsed.ok ? parsed.payload : undefined;
      const deliveryId = deliveryIdOf(settings, header, payload);
      if (deliveryId !== undefined) {
        const isFirst = await withRedis(deliveryIds.claim(partnerId, deliveryId, toleranceSeconds));
        if (!isFirst) return res.status(200).json({ status: 'duplicate' });
      }
      try {
        const route = parsed.ok ? routeOnArrival(settings, header, payload) : parsed.reason;
        const outcome =
          typeof route === 'string'
            ? { ok: false as const, reason: route }
            : mapPayload(route, payload, maps, partnerId);
        if (!outcome.ok) {
          const messageId = await recordRejectedRequest(context.store, context.logger, {
            protocol: 'webhook',
            partnerId,
            contentType: req.get('content-type') ?? null,
            raw,
            reason: outcome.reason,
          });
          throw new Problem(422, 'validation-failed', outcome.reason, { messageId });
        }
        const receipt = await context.intake.accept({
          protocol: 'webhook',
          partnerId,
          documentKind: outcome.kind,
          contentType: req.get('content-type') ?? null,
          raw,
          businessKey: outcome.businessKey,
        });
        const location = `/api/v1/messages/${receipt.messageId}`;
        res.status(202).location(location).set('x-correlation-id', receipt.correlationId).json({
          messageId: receipt.messageId,
          correlationId: receipt.correlationId,
          status: 'accepted',
          location,
        });
      } catch (error) {
        // A delivery that was not kept must be taken when the sender retries it.
        if (deliveryId !== undefined && !(error instanceof Problem)) {
          await deliveryIds
            .release(partnerId, deliveryId)
            .catch((releaseError: unknown) =>
              context.logger.warn(
                { err: releaseError, partnerId, deliveryId },
                'webhook: could not forget the delivery id of a failed intake',
              ),
            );
        }
        throw error;
      }
    },
  );
}

function refuse(res: Response): void {
  res.status(401).type('application/problem+json').send(NOT_VERIFIED);
}

async function withRedis<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    throw new IntakeUnavailableError('queue', { cause: error });
  }
}
