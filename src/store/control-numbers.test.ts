import { eachMigratedDatabase, storeBackends } from '../../test/support/databases';
import {
  allocateControlNumbers,
  allocateInterchangeNumbers,
  ControlNumbersExhaustedError,
  InterchangeNumberAllocator,
} from './control-numbers';
import type { Database } from './database';

describe.each(storeBackends())('interchange control numbers on $name', ({ create }) => {
  let db: Database;
  eachMigratedDatabase(create, (opened) => (db = opened));

  it('moves ISA13, GS06 per group and ST02 per set together, continuing where the acks left off', async () => {
    // The inbound side's acks to the same partner draw from the same counters.
    await allocateControlNumbers(db, 'globex-retail', 'ISA13', 1);
    await allocateControlNumbers(db, 'globex-retail', 'ST02', 2);
    const first = await allocateInterchangeNumbers(db, 'globex-retail', { groups: 2, sets: 3 });
    expect(first).toEqual({
      isa13: '000000002',
      gs06: ['1', '2'],
      st02: ['0003', '0004', '0005'],
    });
    const second = await allocateInterchangeNumbers(db, 'globex-retail', { groups: 1, sets: 1 });
    expect(second).toEqual({ isa13: '000000003', gs06: ['3'], st02: ['0006'] });
    // Counters are per partner.
    const other = await allocateInterchangeNumbers(db, 'initech-stores', { groups: 1, sets: 1 });
    expect(other.isa13).toBe('000000001');
  });

  it('never repeats a number under concurrent allocations', async () => {
    const all = await Promise.all(
      Array.from({ length: 40 }, () => allocateInterchangeNumbers(db, 'p', { groups: 1, sets: 2 })),
    );
    const isa13s = all.map((numbers) => numbers.isa13);
    const st02s = all.flatMap((numbers) => numbers.st02);
    expect(new Set(isa13s).size).toBe(40);
    expect(new Set(st02s).size).toBe(80);
    expect(Math.max(...isa13s.map(Number))).toBe(40);
  });

  it('refuses to go past 999999999 rather than wrap to numbers the partner has seen', async () => {
    await db.query(
      `INSERT INTO control_numbers (partner_id, kind, last_value) VALUES ('p', 'ISA13', 999999999)`,
    );
    await expect(allocateInterchangeNumbers(db, 'p', { groups: 1, sets: 1 })).rejects.toThrow(
      /control numbers for partner p are exhausted/,
    );
    await expect(
      allocateInterchangeNumbers(db, 'p', { groups: 1, sets: 1 }),
    ).rejects.toBeInstanceOf(ControlNumbersExhaustedError);
  });

  it('gathers concurrent requests into few statements, numbers dealt out in request order', async () => {
    let statements = 0;
    const counted = {
      query: <Row>(sql: string, params?: unknown[]) => {
        statements++;
        return db.query<Row>(sql, params);
      },
    };
    const allocator = new InterchangeNumberAllocator(counted);
    const requests = Array.from({ length: 60 }, (_, i) => ({
      partnerId: i % 3 === 0 ? 'initech-stores' : 'globex-retail',
      size: { groups: 1, sets: (i % 4) + 1 },
    }));
    const results = await Promise.all(
      requests.map((request) => allocator.allocate(request.partnerId, request.size)),
    );
    expect(statements).toBeLessThan(10);
    for (const partnerId of ['globex-retail', 'initech-stores']) {
      const mine = results.filter((_, i) => requests[i]!.partnerId === partnerId);
      const isa13s = mine.map((numbers) => Number(numbers.isa13));
      expect(isa13s).toEqual(isa13s.map((_, i) => i + 1));
      const st02s = mine.flatMap((numbers) => numbers.st02.map(Number));
      expect(st02s).toEqual(st02s.map((_, i) => i + 1));
    }
  });
});
