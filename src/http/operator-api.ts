import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Queue } from 'bullmq';
import type { PartnerRegistry } from '../partners/registry';
import { replayDeadLetters } from '../pipeline/dead-letter-replay';
import { replayDelivery } from '../pipeline/deliver-worker';
import type { DeliverJob } from '../pipeline/queues';
import type {
  DeliveryRecord,
  DeliveryStatus,
  EventRecord,
  MessageRecord,
  MessageStore,
  TimelineEntry,
} from '../store/message-store';
import type { DeadLetterFilter } from '../store/dead-letters';
import { readRawMessage } from '../store/message-chunks';
import { operatorRefusal, partnerOf, readerOf, requireReader } from './api-keys';
import { Problem } from './problem';

export interface OperatorApiDeps {
  store: MessageStore;
  partners: PartnerRegistry;
  deliverQueue: Queue<DeliverJob>;
  /** When unset, the operator API answers only requests from the loopback interface. */
  adminKey?: string;
}

export function requireOperator(adminKey: string | undefined) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const refusal = operatorRefusal(req, adminKey);
    if (refusal) throw refusal;
    next();
  };
}

interface MessageView {
  message: MessageRecord;
  deliveries: DeliveryRecord[];
  events: EventRecord[];
  timeline: TimelineEntry[];
}

/** A delivery is the gateway's send to one receiver: only that receiver's key reads it. */
function isDeliveryVisible(partnerId: string | undefined, delivery: DeliveryRecord): boolean {
  return partnerId === undefined || delivery.destination === partnerId;
}

/**
 * What of a message a partner may read, or undefined when none of it: the message when the
 * partner sent it, it is addressed to the partner, or it was routed to the partner; of it, the
 * events the partner sent, was addressed or was routed, and its own deliveries (and their
 * timeline entries). The operator (no partner) reads everything.
 */
function visibleMessage(partnerId: string | undefined, view: MessageView): MessageView | undefined {
  if (partnerId === undefined) return view;
  const deliveries = view.deliveries.filter((d) => isDeliveryVisible(partnerId, d));
  const isParty =
    view.message.partnerId === partnerId ||
    view.message.recipientId === partnerId ||
    deliveries.length > 0;
  if (!isParty) return undefined;
  const routedToPartner = new Set(deliveries.map((d) => d.eventId));
  const ownDeliveries = new Set(deliveries.map((d) => d.id));
  return {
    message: view.message,
    deliveries,
    events: view.events.filter(
      (e) =>
        e.envelope.partnerid === partnerId ||
        e.envelope.recipientid === partnerId ||
        routedToPartner.has(e.id),
    ),
    // Entries about a delivery (attempts, errors, acks) belong to that delivery's receiver.
    timeline: view.timeline.filter((entry) => {
      const detail = entry.detail as { deliveryId?: unknown; destination?: unknown } | null;
      if (typeof detail?.deliveryId === 'string') return ownDeliveries.has(detail.deliveryId);
      return detail?.destination === undefined || detail.destination === partnerId;
    }),
  };
}

const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'retrying', 'delivered', 'dead'];

/**
 * What operators read when a message goes missing, and the replay of dead letters. A message,
 * its events and its deliveries by id are also open to partner keys with `messages:read`,
 * limited to what the partner sent or was sent (visibleMessage).
 */
export function mountOperatorApi(router: Router, deps: OperatorApiDeps): void {
  const operator = requireOperator(deps.adminKey);
  const messageReader = requireReader(
    { adminKey: deps.adminKey, partners: deps.partners },
    'messages:read',
  );

  /** The message as the reader may see it, or 404 (also for one it may not see). */
  const readMessage = async (req: Request) => {
    const id = String(req.params.id);
    const message = await deps.store.getMessage(id);
    if (!message) throw new Problem(404, 'not-found', `No message ${id}.`);
    // In this order, one after the other: a delivery's outcome and its timeline entry commit
    // together, so a timeline read after the deliveries shows at least what they show.
    const deliveries = await deps.store.getDeliveriesOfMessage(id);
    const events = await deps.store.getEventsOfMessage(id);
    const timeline = await deps.store.getTimeline(id);
    const view = visibleMessage(partnerOf(readerOf(req)), {
      message,
      deliveries,
      events,
      timeline,
    });
    if (!view) throw new Problem(404, 'not-found', `No message ${id}.`);
    return view;
  };

  router.get('/api/v1/messages/:id', messageReader, async (req, res) => {
    const view = await readMessage(req);
    const id = view.message.id;
    res.json({
      ...view.message,
      ...(readerOf(req).isOperator ? { links: { raw: `/api/v1/messages/${id}/raw` } } : {}),
      timeline: view.timeline,
      events: view.events.map((e) => ({
        id: e.id,
        type: e.type,
        subject: e.subject,
        createdAt: e.createdAt,
        event: e.envelope,
      })),
      deliveries: view.deliveries,
    });
  });

  router.get('/api/v1/messages/:id/events', messageReader, async (req, res) => {
    const view = await readMessage(req);
    res.json({
      events: view.events.map((e) => ({
        position: Number(e.position),
        id: e.id,
        type: e.type,
        partnerId: (e.envelope.partnerid as string | undefined) ?? null,
        subject: e.subject,
        createdAt: e.createdAt,
        event: e.envelope,
      })),
    });
  });

  router.get('/api/v1/messages/:id/deliveries', messageReader, async (req, res) => {
    const view = await readMessage(req);
    res.json({ deliveries: view.deliveries });
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

  router.get('/api/v1/deliveries/:id', messageReader, async (req, res) => {
    const id = String(req.params.id);
    const delivery = await deps.store.getDelivery(id);
    if (!delivery || !isDeliveryVisible(partnerOf(readerOf(req)), delivery)) {
      throw new Problem(404, 'not-found', `No delivery ${id}.`);
    }
    res.json(delivery);
  });

  // Bulk replay: every dead letter a filter matches (after a receiver's outage, say), up to
  // `max` per call; `more` says whether to call again.
  router.post(
    '/api/v1/deliveries/replay',
    operator,
    express.json({ limit: '4kb' }),
    async (req, res) => {
      const filter = readDeadLetterFilter(req.body);
      const outcome = await replayDeadLetters(filter, deps, 'replayed in bulk by operator');
      res.status(202).json(outcome);
    },
  );

  router.post('/api/v1/deliveries/:id/replay', operator, async (req, res) => {
    const id = String(req.params.id);
    const outcome = await replayDelivery(id, deps, 'replayed by operator');
    if (outcome === 'not-found') throw new Problem(404, 'not-found', `No delivery ${id}.`);
    if (outcome === 'already-delivered')
      throw new Problem(409, 'conflict', `Delivery ${id} was already delivered.`);
    res.status(202).json({ deliveryId: id, status: 'pending' });
  });
}

const BULK_REPLAY_MAX = 10_000;

/** The body of a bulk replay: {destination?, since?, until?, max?}, each checked. */
function readDeadLetterFilter(body: unknown): DeadLetterFilter & { max: number } {
  const fields = (body ?? {}) as Record<string, unknown>;
  const errors: { pointer: string; detail: string }[] = [];
  if (typeof fields !== 'object' || Array.isArray(fields)) {
    throw new Problem(400, 'validation-failed', 'The body must be a JSON object.');
  }
  const text = (name: string): string | undefined => {
    const value = fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '')
      errors.push({ pointer: `#/${name}`, detail: 'must be a non-empty string' });
    return typeof value === 'string' ? value : undefined;
  };
  const moment = (name: string): string | undefined => {
    const value = text(name);
    if (value !== undefined && Number.isNaN(Date.parse(value))) {
      errors.push({ pointer: `#/${name}`, detail: 'must be an ISO 8601 date-time' });
    }
    return value;
  };
  const destination = text('destination');
  const since = moment('since');
  const until = moment('until');
  const max = fields.max === undefined ? BULK_REPLAY_MAX : fields.max;
  if (!Number.isInteger(max) || (max as number) < 1 || (max as number) > BULK_REPLAY_MAX) {
    errors.push({ pointer: '#/max', detail: `must be an integer from 1 to ${BULK_REPLAY_MAX}` });
  }
  const unknown = Object.keys(fields).filter(
    (key) => !['destination', 'since', 'until', 'max'].includes(key),
  );
  for (const key of unknown) errors.push({ pointer: `#/${key}`, detail: 'is not a filter' });
  if (errors.length > 0) {
    throw new Problem(400, 'validation-failed', 'The replay filter is not valid.', { errors });
  }
  return { destination, since, until, max: max as number };
}
