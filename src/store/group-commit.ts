/**
 * Gathers the calls made in one turn of the event loop and commits them as one statement:
 * under load, dozens of workers' writes cost one round trip and one transaction instead of
 * one each; an idle gateway still commits each call at once. Every caller's promise settles
 * with its batch and gets its own item's result. (Measured in bench/profiling-notes.md:
 * PostgreSQL CPU per message falls by about two thirds.)
 *
 * With `maxInFlight`, at most that many commits run at once and the calls made meanwhile wait
 * for one to end, then go together: the busier the store, the larger its batches, instead of
 * a queue of small statements each paying its own parse, plan and commit (PGlite runs one
 * statement at a time, so more in flight only lengthens its queue; bench/results-fanout.md).
 *
 * A batch that fails is retried item by item, so one bad write cannot fail the others.
 */
export class GroupCommit<T, R = void> {
  private pending: Array<{
    item: T;
    resolve: (result: R) => void;
    reject: (error: unknown) => void;
  }> = [];
  private isScheduled = false;
  private inFlight = 0;

  constructor(
    /** Commits the items and returns one result per item, in order. */
    private readonly commit: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 256,
    private readonly maxInFlight = Number.POSITIVE_INFINITY,
  ) {}

  run(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.isScheduled || this.pending.length === 0 || this.inFlight >= this.maxInFlight) return;
    this.isScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.isScheduled = false;
    while (this.pending.length > 0 && this.inFlight < this.maxInFlight) {
      const batch = this.pending.splice(0, this.maxBatch);
      this.inFlight++;
      this.commit(batch.map((entry) => entry.item))
        .then(
          (results) => batch.forEach((entry, index) => entry.resolve(results[index]!)),
          (error: unknown) => {
            if (batch.length === 1) return batch[0]!.reject(error);
            for (const entry of batch) {
              this.commit([entry.item]).then(
                (results) => entry.resolve(results[0]!),
                (itemError: unknown) => entry.reject(itemError),
              );
            }
          },
        )
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
  }
}
