// A worker process for test/control-numbers.test.ts: allocates control numbers through the built
// message store (dist/, made by `npm run build`, which `npm test` runs first) and reports each
// allocation on stdout the moment it returns, so a parent that kills it knows what it was given.
//
//   node allocate-control-numbers.js '{"databaseUrl": "...", "partnerId": "p", "kind": "ISA13",
//                                      "count": 500, "maxBatch": 3, "loops": 1, "waitForGo": true}'
//
// `pgliteDir` instead of `databaseUrl` opens PGlite on that directory. `loops` allocation loops run
// at once; each prints "request <loop> <n>" before asking and "allocated <loop> <numbers...>"
// after. "ready" is printed once the store is open (then "go" is awaited on stdin when
// `waitForGo`), "done" at the end. Writes to a pipe are synchronous on Linux, so every line
// printed before a SIGKILL reaches the parent.
'use strict';
const path = require('node:path');
const dist = path.join(__dirname, '..', '..', 'dist', 'src', 'store');
const { openPglite, openPostgres } = require(path.join(dist, 'database.js'));
const { migrate } = require(path.join(dist, 'migrate.js'));
const { MessageStore } = require(path.join(dist, 'message-store.js'));

async function main() {
  const options = JSON.parse(process.argv[2]);
  const loops = options.loops ?? 1;
  const db = options.databaseUrl
    ? await openPostgres(options.databaseUrl, loops)
    : await openPglite(options.pgliteDir);
  if (options.migrate) await migrate(db);
  const store = new MessageStore(db);
  await store.ping();
  process.stdout.write('ready\n');
  if (options.waitForGo) await waitForLine('go');

  let requested = 0;
  const runLoop = async (loop) => {
    while (requested < options.count) {
      const batch = Math.min(
        1 + Math.floor(Math.random() * options.maxBatch),
        options.count - requested,
      );
      requested += batch;
      process.stdout.write(`request ${loop} ${batch}\n`);
      const numbers = await store.allocateControlNumbers(options.partnerId, options.kind, batch);
      process.stdout.write(`allocated ${loop} ${numbers.join(' ')}\n`);
    }
  };
  await Promise.all(Array.from({ length: loops }, (_, loop) => runLoop(loop)));
  await db.close();
  process.stdout.write('done\n');
}

function waitForLine(expected) {
  return new Promise((resolve) => {
    let buffered = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => {
      buffered += chunk;
      if (buffered.split('\n').includes(expected)) {
        // A stdin left open would keep this process alive after its work is done.
        process.stdin.destroy();
        resolve();
      }
    });
  });
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
