import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export type SinkResponder = (
  request: ReceivedWebhook,
  index: number,
) => { status: number; headers?: Record<string, string> };

/** A real HTTP receiver for webhooks that records what arrives and answers as told. */
export class WebhookSink {
  readonly received: ReceivedWebhook[] = [];
  responder: SinkResponder = () => ({ status: 204 });
  private server?: http.Server;
  private waiters: Array<{ isMet: () => boolean; resolve: () => void }> = [];

  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = {
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        const answer = this.responder(request, this.received.length);
        this.received.push(request);
        res.writeHead(answer.status, answer.headers).end();
        this.waiters = this.waiters.filter((w) => {
          if (w.isMet()) w.resolve();
          return !w.isMet();
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** Resolves once `count` requests have arrived in all; fails after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 15_000): Promise<void> {
    return this.waitUntil(() => this.received.length >= count, `${count} webhooks`, timeoutMs).then(
      () => undefined,
    );
  }

  /** Resolves with the first request whose body contains `text`. */
  async waitForBody(text: string, timeoutMs = 15_000): Promise<ReceivedWebhook> {
    const find = () => this.received.find((r) => r.body.includes(text));
    await this.waitUntil(() => find() !== undefined, `a webhook containing ${text}`, timeoutMs);
    return find()!;
  }

  private waitUntil(isMet: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (isMet()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`sink did not get ${what} in ${timeoutMs} ms (got ${this.received.length})`),
          ),
        timeoutMs,
      );
      this.waiters.push({
        isMet,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
