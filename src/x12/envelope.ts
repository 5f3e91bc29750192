/**
 * Reads X12 interchanges: `readInterchanges` over a byte stream (a file, a request body),
 * `readInterchangesSync` over bytes in memory. Both run the same state machine
 * (envelope-reader.ts) over the streaming tokenizer (tokenize.ts) and yield, in order:
 * `interchange`, `group`, `transaction` (one set at a time), `groupEnd`, `interchangeEnd`, and
 * `error` items. Every `interchange` is closed by its `interchangeEnd` and every `group` by its
 * `groupEnd`, whatever the input; bad input never throws, and a fatal error ends the stream.
 */
import { EnvelopeReader, type EnvelopeOptions } from './envelope-reader';
import type { EnvelopeItem } from './envelope-items';
import { WINDOW_BYTES } from './tokenize';

export type { Ta1Error } from './envelope-headers';
export type * from './envelope-items';
export {
  DEFAULT_MAX_SEGMENTS_PER_SET,
  DEFAULT_MAX_SET_BYTES,
  EnvelopeReader,
  type EnvelopeOptions,
} from './envelope-reader';

/** Reads interchanges from a byte stream (a file, a request body), yielding as it goes. */
export async function* readInterchanges(
  source: AsyncIterable<Buffer | string>,
  options?: EnvelopeOptions,
): AsyncGenerator<EnvelopeItem, void, undefined> {
  const reader = new EnvelopeReader(options);
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    // Fed in slices, with items handed out in between: fewer segments alive at once, less GC.
    for (let at = 0; at < bytes.length && !reader.isDone; at += WINDOW_BYTES) {
      reader.push(
        at === 0 && bytes.length <= WINDOW_BYTES ? bytes : bytes.subarray(at, at + WINDOW_BYTES),
      );
      yield* reader.takeItems();
    }
    if (reader.isDone) return;
  }
  reader.end();
  yield* reader.takeItems();
}

/** The same over bytes already in memory, fed in `chunkBytes` slices (default 64 KiB). */
export function* readInterchangesSync(
  input: Buffer | string,
  options: EnvelopeOptions & { chunkBytes?: number } = {},
): Generator<EnvelopeItem, void, undefined> {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const chunkBytes = Math.max(1, options.chunkBytes ?? WINDOW_BYTES);
  const reader = new EnvelopeReader(options);
  for (let at = 0; at < bytes.length && !reader.isDone; at += chunkBytes) {
    reader.push(bytes.subarray(at, at + chunkBytes));
    yield* reader.takeItems();
  }
  reader.end();
  yield* reader.takeItems();
}
