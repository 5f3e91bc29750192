import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The receiver of the benchmark's webhooks: answers 204 without reading the body into memory
 * and notes when each message's first delivery arrived. The message id is recovered from the
 * `webhook-id` header (`evt_<message ulid>_<seq>`), so no body is parsed on the hot path.
 */
export class CountingSink {
  /** First arrival time (performance.now) per message id. */
  readonly arrivals = new Map<string, number>();
  duplicates = 0;
  private server?: http.Server;
  private waiter?: { count: number; resolve: () => void };

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const eventId = req.headers['webhook-id'];
      req.on('end', () => {
        if (typeof eventId === 'string') this.note(eventId);
        res.writeHead(204).end();
      });
      req.resume();
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  get delivered(): number {
    return this.arrivals.size;
  }

  /** Resolves once `count` distinct messages have arrived. */
  waitFor(count: number): Promise<void> {
    if (this.arrivals.size >= count) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = { count, resolve }));
  }

  private note(eventId: string): void {
    const messageId = `msg_${eventId.slice(4, eventId.lastIndexOf('_'))}`;
    if (this.arrivals.has(messageId)) {
      this.duplicates++;
      return;
    }
    this.arrivals.set(messageId, performance.now());
    if (this.waiter && this.arrivals.size >= this.waiter.count) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve();
    }
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}
