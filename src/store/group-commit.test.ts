import { GroupCommit } from './group-commit';

test('calls in one turn are committed together, each caller getting its own result', async () => {
  const commits: number[][] = [];
  const group = new GroupCommit<number, number>(async (items) => {
    commits.push(items);
    return items.map((n) => n * 10);
  });
  const results = await Promise.all([1, 2, 3].map((n) => group.run(n)));
  expect(results).toEqual([10, 20, 30]);
  expect(commits).toEqual([[1, 2, 3]]);
  expect(await group.run(4)).toBe(40);
  expect(commits).toEqual([[1, 2, 3], [4]]);
});

test('a failing batch is retried item by item, so only the bad item fails', async () => {
  const group = new GroupCommit<number, number>(async (items) => {
    if (items.includes(2)) throw new Error('bad item 2');
    return items;
  });
  const outcomes = await Promise.allSettled([1, 2, 3].map((n) => group.run(n)));
  expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('bad item 2'));
});
