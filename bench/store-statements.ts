import { createHash } from 'node:crypto';
import { eventIdFor, deliveryIdFor, newCorrelationId, newMessageId } from '../src/store/ids';
import { openPostgres } from '../src/store/database';
import { MessageStore, type NewMessage } from '../src/store/message-store';
import { migrate } from '../src/store/migrate';
import { createBenchDatabase } from './bench-database';
import type { Cleanup } from './cleanup';
import { processCpuSeconds } from './resource-usage';

export interface StatementCost {
  operation: string;
  /** 1: each call awaited before the next, as an idle gateway writes; more: issued together, as under load. */
  callsAtOnce: number;
  /** CPU of the PostgreSQL backend serving the one connection, per message. */
  backendCpuMicrosPerMessage: number;
  /** Time per message as the caller sees it. */
  wallMicrosPerMessage: number;
}

const MESSAGES = 2_048;
const AT_ONCE = 64;

/**
 * The message store's writes on a message's path, on one connection to a fresh database, with
 * the PostgreSQL backend's CPU for each: once with every call awaited before the next, and
 * once with 64 calls issued together, which is what the gateway's workers do under load (the
 * store may then commit them together). What a message costs the database, write by write,
 * with nothing else competing for it.
 */
export async function measureStoreStatements(
  serverUrl: string,
  purchaseOrder: Record<string, unknown>,
  cleanup: Cleanup,
): Promise<StatementCost[]> {
  const database = await createBenchDatabase(serverUrl, cleanup);
  try {
    const db = await openPostgres(database.url, 1);
    try {
      await migrate(db);
      const pid = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid;
      const store = new MessageStore(db);
      const costs: StatementCost[] = [];
      for (const callsAtOnce of [1, AT_ONCE]) {
        const messages = Array.from({ length: MESSAGES }, (_, i) =>
          newPurchaseOrderMessage(purchaseOrder, `${callsAtOnce}-${i}`),
        );
        const measure = async (
          operation: string,
          write: (batch: NewMessage[]) => Promise<unknown>,
        ) => {
          const cpuBefore = processCpuSeconds(pid);
          const started = performance.now();
          for (let i = 0; i < MESSAGES; i += callsAtOnce)
            await write(messages.slice(i, i + callsAtOnce));
          const wall = performance.now() - started;
          costs.push({
            operation,
            callsAtOnce,
            backendCpuMicrosPerMessage: ((processCpuSeconds(pid) - cpuBefore) / MESSAGES) * 1e6,
            wallMicrosPerMessage: (wall / MESSAGES) * 1000,
          });
        };
        // Intake's own group commit hands insertMessages a whole batch in one call.
        await measure('insertMessages', (batch) => store.insertMessages(batch));
        await measure('recordProcessed', (batch) =>
          Promise.all(batch.map((m) => store.recordProcessed(processedRecordOf(m, purchaseOrder)))),
        );
        await measure('recordDeliveryOutcome', (batch) =>
          Promise.all(
            batch.map((m) =>
              store.recordDeliveryOutcome({
                deliveryId: deliveryIdFor(eventIdFor(m.id, 1), 'acme-erp'),
                messageId: m.id,
                status: 'delivered',
                statusCode: 204,
                error: null,
                attempt: 1,
              }),
            ),
          ),
        );
      }
      return costs;
    } finally {
      await db.close();
    }
  } finally {
    await database.drop();
  }
}

function newPurchaseOrderMessage(
  purchaseOrder: Record<string, unknown>,
  index: string,
): NewMessage {
  const raw = Buffer.from(JSON.stringify({ ...purchaseOrder, poNumber: `S-${index}` }));
  return {
    id: newMessageId(),
    direction: 'inbound',
    protocol: 'rest',
    partnerId: 'globex-retail',
    documentKind: 'purchaseOrder',
    contentType: 'application/json',
    raw,
    sha256: createHash('sha256').update(raw).digest('hex'),
    correlationId: newCorrelationId(),
    businessKey: `S-${index}`,
  };
}

/** What the process worker records for one purchase order: one event, one webhook delivery. */
function processedRecordOf(message: NewMessage, purchaseOrder: Record<string, unknown>) {
  const eventId = eventIdFor(message.id, 1);
  return {
    messageId: message.id,
    businessKey: message.businessKey,
    events: [
      {
        id: eventId,
        seq: 1,
        type: 'com.crossdock.purchase-order',
        subject: message.businessKey,
        partnerId: message.partnerId,
        businessKey: message.businessKey,
        envelope: {
          specversion: '1.0',
          id: eventId,
          source: '/crossdock',
          type: 'com.crossdock.purchase-order',
          datacontenttype: 'application/json',
          data: { ...purchaseOrder, poNumber: message.businessKey },
        },
      },
    ],
    deliveries: [
      {
        id: deliveryIdFor(eventId, 'acme-erp'),
        eventId,
        destination: 'acme-erp',
        channel: 'webhook',
      },
    ],
  };
}
