/**
 * Everything the benchmark starts (redis-server, gateway processes, databases, servers) is
 * registered here, and released in reverse order when the run ends, fails, or is interrupted.
 * Child processes are also killed synchronously on exit, so none outlives the benchmark.
 */
export class Cleanup {
  private readonly steps: Array<{ what: string; run: () => Promise<unknown> }> = [];
  private readonly childPids = new Set<number>();
  private readonly aborter = new AbortController();

  /** Aborted once release begins, so work in progress (the load generator) stops early. */
  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  constructor() {
    process.on('exit', () => {
      for (const pid of this.childPids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }

  /** Registers a release step and returns a function that runs it early (and only once). */
  add(what: string, run: () => Promise<unknown>): () => Promise<void> {
    const step = { what, run };
    this.steps.push(step);
    return async () => {
      const index = this.steps.indexOf(step);
      if (index < 0) return;
      this.steps.splice(index, 1);
      await run();
    };
  }

  trackPid(pid: number | undefined): void {
    if (pid) this.childPids.add(pid);
  }

  untrackPid(pid: number | undefined): void {
    if (pid) this.childPids.delete(pid);
  }

  async runAll(): Promise<void> {
    this.aborter.abort();
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        process.stderr.write(`bench: could not ${step.what}: ${(error as Error).message}\n`);
      }
    }
  }
}

/**
 * Runs a benchmark's main function with a Cleanup that is released however it ends: done,
 * failed (exit 1, with the stack), or interrupted by SIGINT/SIGTERM (exit 130; a second signal
 * exits at once).
 */
export function runBenchmark(
  main: (cleanup: Cleanup) => Promise<void>,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): void {
  const cleanup = new Cleanup();
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      log(`${signal}: stopping what the benchmark started...`);
      void cleanup.runAll().finally(() => process.exit(130));
    });
  }
  main(cleanup)
    .then(() => cleanup.runAll())
    .then(
      () => process.exit(0),
      async (error: unknown) => {
        process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
        await cleanup.runAll();
        process.exit(1);
      },
    );
}
