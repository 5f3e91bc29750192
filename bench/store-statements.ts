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
  /** Messages the operation covers per call. */
  messagesPerCall: number;
  calls: number;
  /** CPU of the PostgreSQL backend serving the one connection, per message. */
  backendCpuMicrosPerMessage: number;
  /** Round trip as the gateway sees it, per message. */
  wallMicrosPerMessage: number;
}

const MESSAGES = 2_000;
const INTAKE_BATCH = 64;

/**
 * The message store's writes on the pipeline's path, one after another on one connection to a
 * fresh database, with the PostgreSQL backend's CPU for each: what a delivered message costs
 * the database, statement by statement, without the rest of the pipeline competing for it.
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
      const messages = Array.from({ length: MESSAGES }, (_, i) =>
        newPurchaseOrderMessage(purchaseOrder, i),
      );
      const measure = async (
        operation: string,
        messagesPerCall: number,
        run: () => Promise<void>,
      ) => {
        const cpuBefore = processCpuSeconds(pid);
        const started = performance.now();
        await run();
        const wall = performance.now() - started;
        return {
          operation,
          messagesPerCall,
          calls: Math.ceil(MESSAGES / messagesPerCall),
          backendCpuMicrosPerMessage: ((processCpuSeconds(pid) - cpuBefore) / MESSAGES) * 1e6,
          wallMicrosPerMessage: (wall / MESSAGES) * 1000,
        };
      };
      const costs: StatementCost[] = [];
      costs.push(
        await measure(
          `insertMessages (intake, ${INTAKE_BATCH} per batch)`,
          INTAKE_BATCH,
          async () => {
            for (let i = 0; i < MESSAGES; i += INTAKE_BATCH)
              await store.insertMessages(messages.slice(i, i + INTAKE_BATCH));
          },
        ),
      );
      costs.push(
        await measure('recordProcessed (process worker)', 1, async () => {
          for (const message of messages)
            await store.recordProcessed(processedRecordOf(message, purchaseOrder));
        }),
      );
      costs.push(
        await measure('recordDeliveryOutcome (deliver worker)', 1, async () => {
          for (const message of messages) {
            await store.recordDeliveryOutcome({
              deliveryId: deliveryIdFor(eventIdFor(message.id, 1), 'acme-erp'),
              messageId: message.id,
              status: 'delivered',
              statusCode: 204,
              error: null,
              attempt: 1,
            });
          }
        }),
      );
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
  index: number,
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
