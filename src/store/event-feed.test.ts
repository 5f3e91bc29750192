import { eachMigratedDatabase, storeBackends } from '../../test/support/databases';
import type { Database } from './database';
import {
  latestEventPosition,
  listenForStoredEvents,
  listEvents,
  readEvent,
  readEventsAfter,
} from './event-feed';
import { writeProcessed, type ProcessedBatch } from './step-writes';

interface Seed {
  type: string;
  partner: string | null;
  subject: string | null;
}

/** Stores one message and the given events under it, in order. */
async function seedEvents(db: Database, seeds: Seed[]): Promise<void> {
  const messageId = `msg_${Math.random().toString(36).slice(2)}`;
  await db.query(
    `INSERT INTO messages (id, direction, protocol, raw, size_bytes, sha256, status, correlation_id)
     VALUES ($1, 'inbound', 'rest', '\\x00', 1, 'x', 'processed', $1)`,
    [messageId],
  );
  for (const [seq, seed] of seeds.entries()) {
    const id = `${messageId}-${seq}`;
    await db.query(
      `INSERT INTO events (id, message_id, seq, type, subject, partner_id, envelope)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
      [id, messageId, seq, seed.type, seed.subject, seed.partner, JSON.stringify({ id, ...seed })],
    );
  }
}

const PO = 'com.crossdock.purchase-order';
const INVOICE = 'com.crossdock.invoice';
const X12_997 = 'com.crossdock.x12.997';

describe.each(storeBackends())('event feed on $name', ({ create }) => {
  let db: Database;
  eachMigratedDatabase(create, (opened) => (db = opened));

  test('an empty store has position 0 and no events', async () => {
    expect(await latestEventPosition(db)).toBe(0);
    expect(await readEventsAfter(db, 0, { limit: 10 })).toEqual([]);
  });

  test('reads events in position order, pages by position, and stops at `through`', async () => {
    await seedEvents(
      db,
      Array.from({ length: 7 }, (_, i) => ({ type: PO, partner: 'a', subject: `PO-${i}` })),
    );
    const latest = await latestEventPosition(db);
    const all = await readEventsAfter(db, 0, { limit: 100 });
    expect(all.map((e) => e.subject)).toEqual([
      'PO-0',
      'PO-1',
      'PO-2',
      'PO-3',
      'PO-4',
      'PO-5',
      'PO-6',
    ]);
    expect(all[6]!.position).toBe(latest);
    expect(all[0]).toMatchObject({ type: PO, partnerId: 'a', envelope: { subject: 'PO-0' } });
    expect(typeof all[0]!.position).toBe('number');

    const pages: string[][] = [];
    let cursor = 0;
    for (;;) {
      const page = await readEventsAfter(db, cursor, { limit: 3 });
      if (page.length === 0) break;
      pages.push(page.map((e) => e.subject!));
      cursor = page[page.length - 1]!.position;
    }
    expect(pages).toEqual([['PO-0', 'PO-1', 'PO-2'], ['PO-3', 'PO-4', 'PO-5'], ['PO-6']]);

    const upTo = await readEventsAfter(db, all[1]!.position, {
      limit: 100,
      through: all[3]!.position,
    });
    expect(upTo.map((e) => e.subject)).toEqual(['PO-2', 'PO-3']);
  });

  test('filters by type pattern, partner and subject', async () => {
    await seedEvents(db, [
      { type: PO, partner: 'globex', subject: 'PO-1' },
      { type: INVOICE, partner: 'globex', subject: 'INV-1' },
      { type: X12_997, partner: 'northwind', subject: null },
      { type: PO, partner: 'northwind', subject: 'PO-2' },
      { type: 'com_crossdock_x', partner: null, subject: 'odd' },
    ]);
    const subjects = async (filter: Parameters<typeof readEventsAfter>[2]['filter']) =>
      (await readEventsAfter(db, 0, { limit: 100, filter })).map((e) => e.subject);

    expect(await subjects({ types: [PO] })).toEqual(['PO-1', 'PO-2']);
    expect(await subjects({ types: [PO, INVOICE] })).toEqual(['PO-1', 'INV-1', 'PO-2']);
    expect(await subjects({ types: ['com.crossdock.x12.*'] })).toEqual([null]);
    expect(await subjects({ types: ['*.invoice'] })).toEqual(['INV-1']);
    expect(await subjects({ types: ['com.*.purchase-*'] })).toEqual(['PO-1', 'PO-2']);
    // `.` and `_` are literal: LIKE's `_` wildcard must not match the underscores' neighbours.
    expect(await subjects({ types: ['com_crossdock_*'] })).toEqual(['odd']);
    expect(await subjects({ types: ['com.crossdock_x'] })).toEqual([]);
    expect(await subjects({ partners: ['northwind'] })).toEqual([null, 'PO-2']);
    expect(await subjects({ partners: ['globex', 'northwind'], types: [PO] })).toEqual([
      'PO-1',
      'PO-2',
    ]);
    expect(await subjects({ subject: 'INV-1' })).toEqual(['INV-1']);
    expect(await subjects({ subject: 'INV-1', types: [PO] })).toEqual([]);
  });

  test('a filtered page holds `limit` matching events, skipping those that do not match', async () => {
    await seedEvents(
      db,
      Array.from({ length: 10 }, (_, i) => ({
        type: i % 2 === 0 ? PO : INVOICE,
        partner: 'a',
        subject: `D-${i}`,
      })),
    );
    const page = await readEventsAfter(db, 0, { limit: 3, filter: { types: [INVOICE] } });
    expect(page.map((e) => e.subject)).toEqual(['D-1', 'D-3', 'D-5']);
    const next = await readEventsAfter(db, page[2]!.position, {
      limit: 3,
      filter: { types: [INVOICE] },
    });
    expect(next.map((e) => e.subject)).toEqual(['D-7', 'D-9']);
  });

  describe('listing and what a partner may read', () => {
    /** Events stored at the given times, with their recipient and the partners routed to. */
    const seedListed = async (
      rows: Array<{
        subject: string;
        partner: string;
        at: string;
        recipient?: string;
        routedTo?: string[];
      }>,
    ) => {
      const messageId = `msg_${Math.random().toString(36).slice(2)}`;
      await db.query(
        `INSERT INTO messages (id, direction, protocol, raw, size_bytes, sha256, status, correlation_id)
         VALUES ($1, 'inbound', 'rest', '\\x00', 1, 'x', 'processed', $1)`,
        [messageId],
      );
      for (const [seq, row] of rows.entries()) {
        const id = `evt_${messageId}_${seq}`;
        const envelope = { id, partnerid: row.partner, recipientid: row.recipient };
        await db.query(
          `INSERT INTO events (id, message_id, seq, type, subject, partner_id, envelope, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::timestamptz)`,
          [id, messageId, seq, PO, row.subject, row.partner, JSON.stringify(envelope), row.at],
        );
        for (const destination of row.routedTo ?? []) {
          await db.query(
            `INSERT INTO deliveries (id, event_id, message_id, destination, channel, status)
             VALUES ($1, $2, $3, $4, 'webhook', 'pending')`,
            [`dlv_${id}_${destination}`, id, messageId, destination],
          );
        }
      }
    };
    const subjects = (events: Array<{ subject: string | null }>) => events.map((e) => e.subject);

    beforeEach(async () => {
      await seedListed([
        { subject: 'A', partner: 'globex', at: '2025-03-01T09:00:00Z', routedTo: ['erp'] },
        { subject: 'B', partner: 'globex', at: '2025-03-01T10:00:00Z', recipient: 'northwind' },
        { subject: 'C', partner: 'northwind', at: '2025-03-01T11:00:00Z' },
        { subject: 'D', partner: 'erp', at: '2025-03-02T00:00:00Z', routedTo: ['globex', 'erp'] },
        { subject: 'E', partner: 'globex', at: '2025-03-02T12:00:00Z' },
      ]);
    });

    test('pages newest first or oldest first, each page starting past the previous one', async () => {
      const pagesIn = async (order: 'asc' | 'desc') => {
        const pages: Array<Array<string | null>> = [];
        let beyond: number | undefined;
        for (;;) {
          const page = await listEvents(db, { order, beyond, limit: 2 });
          if (page.length === 0) return pages;
          pages.push(subjects(page));
          beyond = page[page.length - 1]!.position;
        }
      };
      expect(await pagesIn('desc')).toEqual([['E', 'D'], ['C', 'B'], ['A']]);
      expect(await pagesIn('asc')).toEqual([['A', 'B'], ['C', 'D'], ['E']]);
    });

    test('since is inclusive and until exclusive, on the time the event was stored', async () => {
      const between = async (since?: string, until?: string) =>
        subjects(
          await listEvents(db, {
            order: 'asc',
            since: since ? new Date(since) : undefined,
            until: until ? new Date(until) : undefined,
            limit: 10,
          }),
        );
      expect(await between('2025-03-01T10:00:00Z')).toEqual(['B', 'C', 'D', 'E']);
      expect(await between(undefined, '2025-03-02T00:00:00Z')).toEqual(['A', 'B', 'C']);
      expect(await between('2025-03-01T10:00:00Z', '2025-03-02T00:00:00.001Z')).toEqual([
        'B',
        'C',
        'D',
      ]);
    });

    test('a partner reads what it sent, what is addressed to it and what was routed to it', async () => {
      const visible = async (partner: string) => ({
        listed: subjects(
          await listEvents(db, { order: 'asc', filter: { visibleTo: partner }, limit: 10 }),
        ),
        followed: subjects(
          await readEventsAfter(db, 0, { filter: { visibleTo: partner }, limit: 10 }),
        ),
      });
      expect(await visible('globex')).toEqual({
        listed: ['A', 'B', 'D', 'E'],
        followed: ['A', 'B', 'D', 'E'],
      });
      expect(await visible('northwind')).toEqual({ listed: ['B', 'C'], followed: ['B', 'C'] });
      expect(await visible('erp')).toEqual({ listed: ['A', 'D'], followed: ['A', 'D'] });
      expect(await visible('nobody')).toEqual({ listed: [], followed: [] });
    });

    test('events carry their recipient and the partners they were routed to', async () => {
      const [a, b, , d] = await readEventsAfter(db, 0, { limit: 10 });
      expect(a).toMatchObject({ subject: 'A', recipientId: null, destinations: ['erp'] });
      expect(b).toMatchObject({ subject: 'B', recipientId: 'northwind', destinations: [] });
      expect(d!.destinations).toEqual(['erp', 'globex']);
      expect(await readEvent(db, d!.id)).toEqual(d);
      expect(await readEvent(db, 'evt_missing')).toBeUndefined();
    });
  });
});

describe.each(storeBackends())('stored events announced on $name', ({ create }) => {
  let db: Database;
  eachMigratedDatabase(create, (opened) => (db = opened));
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** A received message and `count` of its events, as the process worker stores them. */
  async function processed(messageId: string, count: number): Promise<ProcessedBatch> {
    await db.query(
      `INSERT INTO messages (id, direction, protocol, raw, size_bytes, sha256, status, correlation_id)
       VALUES ($1, 'inbound', 'rest', '\\x00', 1, 'x', 'received', $1) ON CONFLICT DO NOTHING`,
      [messageId],
    );
    const events = Array.from({ length: count }, (_, i) => ({
      id: `evt_${messageId}_${i + 1}`,
      seq: i + 1,
      type: PO,
      subject: null,
      partnerId: 'globex',
      businessKey: null,
      envelope: {},
    }));
    return { messageId, businessKey: null, events, deliveries: [], completion: null };
  }

  test('once per statement that stores events, never for one that stores none', async () => {
    let notices = 0;
    const unlisten = await listenForStoredEvents(db, () => notices++);
    // Two messages' events, seven in all, in one group-committed statement: one notice.
    await writeProcessed(db, [await processed('msg_a', 3), await processed('msg_b', 4)]);
    await sleep(200);
    expect(notices).toBe(1);
    // A retried job: every event is stored already, so nothing is new and nothing is said.
    await writeProcessed(db, [await processed('msg_a', 3)]);
    // A message that ends without events.
    await writeProcessed(db, [
      { ...(await processed('msg_c', 0)), completion: { status: 'rejected', summary: null } },
    ]);
    await sleep(200);
    expect(notices).toBe(1);
    await writeProcessed(db, [await processed('msg_d', 1)]);
    await sleep(200);
    expect(notices).toBe(2);
    await unlisten();
    await writeProcessed(db, [await processed('msg_e', 1)]);
    await sleep(200);
    expect(notices).toBe(2);
  });
});
