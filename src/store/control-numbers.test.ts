import { openMigrated, storeBackends, type TestDatabase } from '../../test/support/databases';
import { allocateControlNumbers, allocateInterchangeNumbers } from './control-numbers';
import type { Database } from './database';

describe.each(storeBackends())('interchange control numbers on $name', ({ create }) => {
  let testDb: TestDatabase;
  let db: Database;

  beforeEach(async () => {
    testDb = await create();
    db = await openMigrated(testDb);
  });
  afterEach(async () => {
    await db.close();
    await testDb.drop();
  });

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
      /ISA13 control numbers for partner p are exhausted/,
    );
  });
});
