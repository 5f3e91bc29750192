/**
 * Gathers the calls made in one turn of the event loop and commits them as one statement:
 * under load, dozens of workers' writes cost one round trip and one transaction instead of
 * one each; an idle gateway still commits each call at once. Every caller's promise settles
 * with its batch. (Measured in bench/profiling-notes.md: PostgreSQL CPU per message falls by
 * about two thirds.)
 */
export class GroupCommit<T> {
  private pending: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  private isScheduled = false;

  constructor(
    private readonly commit: (items: T[]) => Promise<void>,
    private readonly maxBatch = 256,
  ) {}

  run(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.isScheduled) {
        this.isScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.isScheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      this.commit(batch.map((entry) => entry.item)).then(
        () => batch.forEach((entry) => entry.resolve()),
        (error: unknown) => batch.forEach((entry) => entry.reject(error)),
      );
    }
  }
}
