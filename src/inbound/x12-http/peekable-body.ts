import type { Readable } from 'node:stream';

/**
 * A request body read as a stream, whose first bytes can be looked at before deciding what
 * to do with the rest: the ISA says who is sending before a byte is stored.
 */
export class PeekableBody {
  private readonly source: AsyncIterator<Buffer>;
  private readonly buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private ended = false;

  constructor(stream: Readable) {
    this.source = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** At least `bytes` bytes from the start, or all of the body if it is shorter. */
  async peek(bytes: number): Promise<Buffer> {
    while (this.bufferedBytes < bytes && !this.ended) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
      } else {
        this.buffered.push(next.value);
        this.bufferedBytes += next.value.length;
      }
    }
    return Buffer.concat(this.buffered, this.bufferedBytes);
  }

  /** The whole body from its first byte, peeked bytes included. */
  async *all(): AsyncGenerator<Buffer> {
    yield* this.buffered.splice(0);
    while (!this.ended) {
      const next = await this.source.next();
      if (next.done) return;
      yield next.value;
    }
  }
}
