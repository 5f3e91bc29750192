/**
 * Group batching: a partner that wants several transaction sets per interchange (x12.outbound
 * .batching.mode: group) gets its documents queued in the store as built, validated sets; an
 * interchange is assembled when maxSets are waiting or the oldest has waited windowSeconds.
 * The queue lives in the store (x12_outbound_sets, status 'queued'), not in Redis, so a crash
 * or a Redis restart loses nothing; `FOR UPDATE SKIP LOCKED` lets every worker flush without
 * two of them taking the same sets. The assembled interchange is sent by a delivery of its own
 * (retries, dead letters and replay like any other), and its member documents' deliveries are
 * marked delivered when it is.
 */
import type { Queue } from 'bullmq';
import type { Logger } from '../../log';
import type { LoadedPartner, PartnerRegistry } from '../../partners/registry';
import type { Database } from '../../store/database';
import type { MessageStore } from '../../store/message-store';
import { storeBuiltInterchange, type OutboundSetRow } from '../../store/x12-outbound';
import type { DeliverJob } from '../../pipeline/queues';
import { DEFAULT_RETRY_POLICY } from '../../pipeline/backoff';
import type { BuiltTransactionSet } from './build-set';
import { allocateInterchangeNumbers } from '../../store/control-numbers';
import { assembleInterchange } from './interchange';
import { x12OutboundSettings } from './settings';

type QueuedSet = Omit<OutboundSetRow, 'messageId' | 'isa13' | 'gs06' | 'st02' | 'status' | 'body'>;

/**
 * Stores a built set to wait for its batch, and says so on the timeline of the message the
 * document came in with; a retried job finds it there and adds nothing.
 */
export async function queueForBatch(
  db: Database,
  set: QueuedSet,
  built: BuiltTransactionSet,
  sourceMessageId: string,
): Promise<void> {
  await db.query(
    `WITH queued AS (
       INSERT INTO x12_outbound_sets (delivery_id, partner_id, event_id, transaction_set,
              functional_id, version, business_key, correlation_id, body, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued')
       ON CONFLICT (delivery_id) DO NOTHING
       RETURNING delivery_id, partner_id, transaction_set)
     INSERT INTO timeline (message_id, stage, detail)
     SELECT $10, 'delivery.batched', jsonb_build_object('deliveryId', delivery_id,
            'destination', partner_id, 'transactionSet', transaction_set)
     FROM queued`,
    [
      set.deliveryId,
      set.partnerId,
      set.eventId,
      set.transactionSet,
      set.functionalId,
      set.version,
      set.businessKey,
      set.correlationId,
      JSON.stringify(built.segments),
      sourceMessageId,
    ],
  );
}

export interface X12BatcherDeps {
  store: MessageStore;
  partners: PartnerRegistry;
  deliverQueue: Queue<DeliverJob>;
  logger: Logger;
  /** How often due batches are looked for. */
  sweepEveryMs?: number;
}

export class X12Batcher {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(private readonly deps: X12BatcherDeps) {}

  /** Looks for due batches every sweepEveryMs until stop(). */
  start(): void {
    const every = this.deps.sweepEveryMs ?? 1000;
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep().finally(() => (this.sweeping = undefined));
    }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** A set was queued for the partner: flush now if a full batch is waiting. */
  async nudge(partnerId: string): Promise<void> {
    const partner = this.deps.partners.get(partnerId);
    if (partner) await this.flushPartner(partner, false);
  }

  private async sweep(): Promise<void> {
    for (const partner of this.deps.partners.all()) {
      if (partner.config.x12?.outbound?.batching?.mode !== 'group') continue;
      try {
        while (await this.flushPartner(partner, true)) {
          // full batches first; the loop ends when what is left is not yet due
        }
      } catch (error) {
        this.deps.logger.error(
          { err: error, partnerId: partner.config.id },
          'X12 batch flush failed',
        );
      }
    }
  }

  /**
   * Assembles one interchange from the partner's oldest queued sets when a full batch waits or
   * (with `whenDue`) the oldest has waited out the window. True when one was made.
   */
  async flushPartner(partner: LoadedPartner, whenDue: boolean): Promise<boolean> {
    const settings = x12OutboundSettings(partner);
    const { maxSets, windowMs } = settings.batching;
    const partnerId = partner.config.id;
    const made = await this.deps.store.db.transaction(async (tx) => {
      const rows = await tx.query<QueuedSet & { body: string; waitedMs: number }>(
        `SELECT delivery_id AS "deliveryId", partner_id AS "partnerId", event_id AS "eventId",
                transaction_set AS "transactionSet", functional_id AS "functionalId", version,
                business_key AS "businessKey", correlation_id AS "correlationId", body,
                extract(epoch FROM now() - created_at) * 1000 AS "waitedMs"
         FROM x12_outbound_sets
         WHERE partner_id = $1 AND status = 'queued'
         ORDER BY created_at, delivery_id
         LIMIT $2
         FOR UPDATE SKIP LOCKED`,
        [partnerId, maxSets],
      );
      const isFull = rows.length >= maxSets;
      const isDue = whenDue && rows.length > 0 && Number(rows[0]!.waitedMs) >= windowMs;
      if (!isFull && !isDue) return undefined;
      // One group per functional id, in the order the sets first name them.
      const groups = [...new Set(rows.map((row) => row.functionalId))];
      const numbers = await allocateInterchangeNumbers(tx, partnerId, {
        groups: groups.length,
        sets: rows.length,
      });
      const sets = rows.map((row, i) => ({
        ...row,
        built: {
          setId: row.transactionSet,
          functionalId: row.functionalId,
          segments: JSON.parse(row.body) as BuiltTransactionSet['segments'],
        },
        gs06: numbers.gs06[groups.indexOf(row.functionalId)]!,
        st02: numbers.st02[i]!,
      }));
      const raw = assembleInterchange(
        sets.map((set) => ({ ...set.built, gs06: set.gs06, st02: set.st02 })),
        settings,
        numbers.isa13,
        new Date(),
      );
      const messageId = `x12_${partnerId}_${numbers.isa13}`;
      const first = rows[0]!;
      await storeBuiltInterchange(tx, {
        messageId,
        partnerId,
        raw,
        correlationId: first.correlationId,
        businessKey: first.businessKey,
        documentKind: [...new Set(rows.map((row) => row.transactionSet))].join(','),
        answersMessageId: null,
        isa13: numbers.isa13,
        sets: sets.map(({ built: _built, body: _body, waitedMs: _waited, ...set }) => set),
      });
      const deliveryId = `dlv_${messageId}`;
      await tx.query(
        `INSERT INTO deliveries (id, event_id, message_id, destination, channel, status,
                                 outbound_message_id)
         VALUES ($1, NULL, $2, $3, $4, 'pending', $2)
         ON CONFLICT (id) DO NOTHING`,
        [deliveryId, messageId, partnerId, partner.config.outbound!.channel],
      );
      return { deliveryId, messageId, correlationId: first.correlationId, count: rows.length };
    });
    if (!made) return false;
    const retry = { ...DEFAULT_RETRY_POLICY, ...partner.config.outbound?.retry };
    // Should this fail (Redis away), the reconciler finds the pending delivery and enqueues it.
    await this.deps.deliverQueue.add(
      partner.config.outbound!.channel,
      {
        deliveryId: made.deliveryId,
        eventId: null,
        messageId: made.messageId,
        correlationId: made.correlationId,
        destination: partnerId,
        channel: partner.config.outbound!.channel,
        outboundMessageId: made.messageId,
      },
      { jobId: made.deliveryId, attempts: retry.attempts, backoff: { type: 'crossdock' } },
    );
    this.deps.logger.info(
      { partnerId, messageId: made.messageId, sets: made.count },
      'X12 batch assembled',
    );
    return true;
  }
}
