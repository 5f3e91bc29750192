/**
 * The operator's view of the X12 transaction sets sent to partners: what each partner's
 * 997/999 said about them, and which are overdue (still 'sent' after their ack was due).
 */
import type { RequestHandler, Router } from 'express';
import type { Database } from '../store/database';
import {
  countOutboundSets,
  getOutboundSet,
  listOutboundSets,
  OUTBOUND_SET_STATUSES,
  type OutboundSetRecord,
  type OutboundSetStatus,
} from '../store/x12-ack-tracking';
import type { Gauge } from './metrics';
import { Problem } from './problem';

export interface X12TrackingApiDeps {
  db: Database;
  /** The operator API's authentication, as every /api/v1 route uses it. */
  operator: RequestHandler;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;
const PATH = '/api/v1/x12/outbound-sets';

export function mountX12TrackingApi(router: Router, deps: X12TrackingApiDeps): void {
  router.get(PATH, deps.operator, async (req, res) => {
    const query = readListQuery(req.query as Record<string, unknown>);
    const rows = await listOutboundSets(deps.db, {
      partnerId: query.partner,
      status: query.status,
      isOverdue: query.overdue,
      afterDeliveryId: query.after,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > query.limit && last ? encodeCursor(last.deliveryId) : null;
    const params = (cursor: string) =>
      new URLSearchParams({
        ...(query.partner !== undefined ? { partner: query.partner } : {}),
        ...(query.status !== undefined ? { status: query.status } : {}),
        ...(query.overdue !== undefined ? { overdue: String(query.overdue) } : {}),
        limit: String(query.limit),
        cursor,
      });
    res.json({
      sets: page.map(present),
      nextCursor,
      next: nextCursor ? `${PATH}?${params(nextCursor)}` : null,
    });
  });

  router.get(`${PATH}/:deliveryId`, deps.operator, async (req, res) => {
    const deliveryId = String(req.params.deliveryId);
    const set = await getOutboundSet(deps.db, deliveryId);
    if (!set)
      throw new Problem(404, 'not-found', `No X12 outbound set for delivery ${deliveryId}.`);
    res.json(present(set));
  });
}

/** Per partner: sets by status, and how many are overdue; one GROUP BY query per scrape. */
export function x12OutboundGauges(db: Database): () => Promise<Gauge[]> {
  return async () => {
    const counts = await countOutboundSets(db);
    const overdue = new Map<string, number>();
    for (const row of counts)
      overdue.set(row.partnerId, (overdue.get(row.partnerId) ?? 0) + row.overdue);
    return [
      {
        name: 'crossdock_x12_outbound_sets',
        help: 'X12 transaction sets sent (or being sent) to each partner, by status.',
        samples: counts.map((row) => ({
          labels: { partner: row.partnerId, status: row.status },
          value: row.sets,
        })),
      },
      {
        name: 'crossdock_x12_outbound_overdue',
        help: "X12 transaction sets still waiting for the partner's 997/999 after it was due.",
        samples: [...overdue].map(([partner, value]) => ({ labels: { partner }, value })),
      },
    ];
  };
}

function present(set: OutboundSetRecord) {
  return {
    ...set,
    links: {
      ...(set.messageId ? { interchange: `/api/v1/messages/${set.messageId}` } : {}),
      ...(set.ackMessageId ? { ack: `/api/v1/messages/${set.ackMessageId}` } : {}),
    },
  };
}

interface ListQuery {
  partner?: string;
  status?: OutboundSetStatus;
  overdue?: boolean;
  limit: number;
  /** The delivery id the cursor points after. */
  after?: string;
}

function readListQuery(query: Record<string, unknown>): ListQuery {
  const text = (name: string) => (query[name] === undefined ? undefined : String(query[name]));
  const status = text('status');
  if (status !== undefined && !OUTBOUND_SET_STATUSES.includes(status as OutboundSetStatus)) {
    throw invalidQuery('status', `must be one of ${OUTBOUND_SET_STATUSES.join(', ')}`);
  }
  const overdue = text('overdue');
  if (overdue !== undefined && overdue !== 'true' && overdue !== 'false') {
    throw invalidQuery('overdue', 'must be true or false');
  }
  const limitText = text('limit');
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw invalidQuery('limit', `must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  const cursor = text('cursor');
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  if (cursor !== undefined && after === undefined) {
    throw invalidQuery('cursor', 'must be a nextCursor this API returned');
  }
  return {
    partner: text('partner') || undefined,
    status: status as OutboundSetStatus | undefined,
    overdue: overdue === undefined ? undefined : overdue === 'true',
    limit,
    after,
  };
}

function invalidQuery(name: string, detail: string): Problem {
  return new Problem(400, 'validation-failed', `${name} ${detail}.`, {
    errors: [{ pointer: `#/query/${name}`, detail }],
  });
}

// Opaque to clients, so the order it encodes (delivery ids) may change without breaking them.
function encodeCursor(deliveryId: string): string {
  return Buffer.from(JSON.stringify({ after: deliveryId })).toString('base64url');
}

function decodeCursor(cursor: string): string | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const after = (value as { after?: unknown } | null)?.after;
    return typeof after === 'string' ? after : undefined;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}
