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

test('with one commit in flight, the calls made while it runs go together in the next', async () => {
  const commits: number[][] = [];
  let finishFirst!: () => void;
  const firstDone = new Promise<void>((resolve) => (finishFirst = resolve));
  const group = new GroupCommit<number, number>(
    async (items) => {
      commits.push(items);
      if (commits.length === 1) await firstDone;
      return items;
    },
    256,
    1,
  );
  const first = group.run(1);
  await new Promise((resolve) => setImmediate(resolve));
  const later = [2, 3, 4].map((n) => group.run(n));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(commits).toEqual([[1]]); // 2, 3 and 4 wait for the first commit to end
  finishFirst();
  expect(await Promise.all([first, ...later])).toEqual([1, 2, 3, 4]);
  expect(commits).toEqual([[1], [2, 3, 4]]);
});
