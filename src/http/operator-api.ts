import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response, Router } from 'express';
import type { Queue } from 'bullmq';
import type { PartnerRegistry } from '../partners/registry';
import { replayDelivery } from '../pipeline/deliver-worker';
import type { DeliverJob } from '../pipeline/queues';
import type { DeliveryStatus, MessageStore } from '../store/message-store';
import { readRawMessage } from '../store/message-chunks';
import { presentedApiKey } from './api-keys';
import { Problem } from './problem';

export interface OperatorApiDeps {
  store: MessageStore;
  partners: PartnerRegistry;
  deliverQueue: Queue<DeliverJob>;
  /** When unset, the operator API answers only requests from the loopback interface. */
  adminKey?: string;
}

function isLoopback(address: string | undefined): boolean {
  return (
    !!address &&
    (address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.'))
  );
}

export function requireOperator(adminKey: string | undefined) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (adminKey) {
      const presented = Buffer.from(presentedApiKey(req) ?? '');
      const expected = Buffer.from(adminKey);
      if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
        throw new Problem(
          401,
          'unauthorized',
          'The operator API needs the CROSSDOCK_ADMIN_KEY as a Bearer token.',
        );
      }
    } else if (!isLoopback(req.socket.remoteAddress)) {
      throw new Problem(
        403,
        'forbidden',
        'Set CROSSDOCK_ADMIN_KEY to use the operator API from another host.',
      );
    }
    next();
  };
}

const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'retrying', 'delivered', 'dead'];

/** What operators read when a message goes missing, and the replay of dead letters. */
export function mountOperatorApi(router: Router, deps: OperatorApiDeps): void {
  const operator = requireOperator(deps.adminKey);

  router.get('/api/v1/messages/:id', operator, async (req, res) => {
    const id = String(req.params.id);
    const message = await deps.store.getMessage(id);
    if (!message) throw new Problem(404, 'not-found', `No message ${id}.`);
    // In this order, one after the other: a delivery's outcome and its timeline entry commit
    // together, so a timeline read after the deliveries shows at least what they show.
    const deliveries = await deps.store.getDeliveriesOfMessage(id);
    const events = await deps.store.getEventsOfMessage(id);
    const timeline = await deps.store.getTimeline(id);
    res.json({
      ...message,
      links: { raw: `/api/v1/messages/${id}/raw` },
      timeline,
      events: events.map((e) => ({
        id: e.id,
        type: e.type,
        subject: e.subject,
        createdAt: e.createdAt,
        event: e.envelope,
      })),
      deliveries,
    });
  });

  // One business exchange, oldest first: the 850, its 997, then the 855, 856 and 810 that
  // answer it, with the control numbers and ack status of the X12 that went out.
  router.get('/api/v1/messages/:id/chain', operator, async (req, res) => {
    const id = String(req.params.id);
    const message = await deps.store.getMessage(id);
    if (!message) throw new Problem(404, 'not-found', `No message ${id}.`);
    res.json({
      correlationId: message.correlationId,
      messages: await deps.store.getCorrelationChain(message.correlationId),
    });
  });

  router.get('/api/v1/messages/:id/raw', operator, async (req, res) => {
    const id = String(req.params.id);
    const message = await deps.store.getMessage(id);
    if (!message) throw new Problem(404, 'not-found', `No message ${id}.`);
    // Streamed, chunk by chunk: an X12 file may be gigabytes.
    res.type(message.contentType ?? 'application/octet-stream');
    res.setHeader('content-length', String(message.sizeBytes));
    for await (const chunk of readRawMessage(deps.store.db, id)) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  });

  router.get('/api/v1/deliveries', operator, async (req, res) => {
    const status = req.query.status === undefined ? undefined : String(req.query.status);
    if (status !== undefined && !DELIVERY_STATUSES.includes(status as DeliveryStatus)) {
      throw new Problem(
        400,
        'validation-failed',
        `status must be one of ${DELIVERY_STATUSES.join(', ')}.`,
        {
          errors: [
            { pointer: '#/query/status', detail: `must be one of ${DELIVERY_STATUSES.join(', ')}` },
          ],
        },
      );
    }
    const limit = Math.min(500, Math.max(1, Number(req.query.limit ?? 100) || 100));
    const after = req.query.after === undefined ? undefined : String(req.query.after);
    const deliveries = await deps.store.listDeliveries({
      status: status as DeliveryStatus | undefined,
      after,
      limit,
    });
    const last = deliveries[deliveries.length - 1];
    res.json({
      deliveries,
      next:
        deliveries.length === limit && last
          ? `/api/v1/deliveries?${new URLSearchParams({ ...(status ? { status } : {}), after: last.id, limit: String(limit) })}`
          : null,
    });
  });

  router.get('/api/v1/deliveries/:id', operator, async (req, res) => {
    const delivery = await deps.store.getDelivery(String(req.params.id));
    if (!delivery) throw new Problem(404, 'not-found', `No delivery ${String(req.params.id)}.`);
    res.json(delivery);
  });

  router.post('/api/v1/deliveries/:id/replay', operator, async (req, res) => {
    const id = String(req.params.id);
    const outcome = await replayDelivery(id, deps, 'replayed by operator');
    if (outcome === 'not-found') throw new Problem(404, 'not-found', `No delivery ${id}.`);
    if (outcome === 'already-delivered')
      throw new Problem(409, 'conflict', `Delivery ${id} was already delivered.`);
    res.status(202).json({ deliveryId: id, status: 'pending' });
  });
}
