/**
 * The streaming X12 tokenizer: bytes in, segments out, delimiters re-read at every ISA.
 *
 * HOT PATH, written for speed on purpose and guarded by bench/x12.ts (goal ≥ 150 MB/s): no
 * regexes, no per-segment closures, no per-byte string building. Each window of input is decoded
 * once as latin1 (one byte = one char, so string positions are byte offsets) and cut with native
 * `indexOf`; an element holding bytes above 0x7F is re-decoded from its bytes as UTF-8 (or kept
 * as latin1 when it is not valid UTF-8). Values of 13 chars or more may be V8 slices of the
 * window string, so holding on to them holds on to that window (64 KiB plus an unfinished
 * segment). Each segment's `elements` array is allocated once at its final size.
 *
 * Memory is bounded: a segment longer than `maxSegmentBytes` is reported with its offset and
 * skipped up to its terminator instead of being buffered.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { detectAt, ISA_LENGTH, startsLikeIsa } from './delimiters';
import type { Delimiters, Segment } from './model';

/** Default `maxSegmentBytes`: a 1 MB segment is still read, and left to validation to refuse. */
export const DEFAULT_MAX_SEGMENT_BYTES = 1_100_000;
/**
 * Input is cut and decoded in windows of at most this many bytes: small enough that a window's
 * string and most of its segments die young (1 MiB windows measured ~30% slower, mostly GC).
 */
export const WINDOW_BYTES = 64 * 1024;

export interface TokenizerOptions {
  /** Longest segment read, terminator excluded; longer ones are reported and skipped. */
  maxSegmentBytes?: number;
}

/** Input that could not be read as segments. `code` is a TA105 note code. */
export interface TokenizeError {
  code: string;
  message: string;
  /** Byte offset in the whole stream. */
  offset: number;
  /** A fatal error ends tokenizing: everything after it is ignored. */
  fatal: boolean;
  /** True when a segment was skipped (too long): its count is missing from what follows. */
  isSegmentDropped: boolean;
}

/** Receives what the tokenizer reads, in stream order. */
export interface SegmentHandler {
  /** A complete segment and the delimiters of the interchange it belongs to. */
  segment(segment: Segment, delimiters: Delimiters): void;
  error(error: TokenizeError): void;
}

const CR = 0x0d;
const UNKNOWN = -2;
/** Bytes looked at before deciding that an input does not start with an ISA. */
const ISA_PROBE_BYTES = 8;
const LF = 0x0a;

export class X12Tokenizer {
  private readonly maxSegmentBytes: number;
  private delimiters: Delimiters | null = null;
  private elementChar = '';
  private terminatorChar = '';
  private terminatorByte = -1;
  /** Bytes of the stream before `leftover`. */
  private consumed = 0;
  /** The unfinished segment carried from one push to the next. */
  private leftover: Buffer = Buffer.alloc(0);
  /** Leading bytes of `leftover` already searched for a terminator, in vain. */
  private searchedLeftover = 0;
  private isSkippingSegment = false;
  private isDead = false;
  private hasEnded = false;
  /** Next element separator found in the window: -1 none left, UNKNOWN not searched yet. */
  private nextSeparator = UNKNOWN;
  private separatorPositions: Int32Array = new Int32Array(64);

  constructor(
    private readonly handler: SegmentHandler,
    options: TokenizerOptions = {},
  ) {
    this.maxSegmentBytes = options.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES;
    if (!(this.maxSegmentBytes >= ISA_LENGTH)) {
      throw new RangeError(`maxSegmentBytes must be at least ${ISA_LENGTH}`);
    }
  }

  /** Stream offset of the next byte to be pushed. */
  get bytesRead(): number {
    return this.consumed + this.leftover.length;
  }

  /** True once a fatal error was reported: further input is ignored. */
  get hasFailed(): boolean {
    return this.isDead;
  }

  push(chunk: Buffer): void {
    if (this.hasEnded) throw new Error('X12Tokenizer.push after end()');
    for (let at = 0; at < chunk.length && !this.isDead; at += WINDOW_BYTES) {
      this.pushWindow(
        at === 0 && chunk.length <= WINDOW_BYTES ? chunk : chunk.subarray(at, at + WINDOW_BYTES),
      );
    }
  }

  end(): void {
    if (this.hasEnded) return;
    this.hasEnded = true;
    if (this.isDead) return;
    if (this.leftover.length > 0) this.scanWindow(this.leftover, true);
    if (this.delimiters === null && !this.isDead) {
      this.fail('023', 'no interchange: the input ends before any ISA segment', this.bytesRead);
    }
  }

  private pushWindow(chunk: Buffer): void {
    if (this.isSkippingSegment) {
      const at = chunk.indexOf(this.terminatorByte);
      if (at < 0) {
        this.consumed += chunk.length;
        return;
      }
      this.isSkippingSegment = false;
      this.consumed += at + 1;
      chunk = chunk.subarray(at + 1);
    }
    const window = this.leftover.length > 0 ? Buffer.concat([this.leftover, chunk]) : chunk;
    this.scanWindow(window, false);
  }

  /** Reads every complete segment of `buf`; what is left becomes `leftover`. */
  private scanWindow(buf: Buffer, isFinal: boolean): void {
    const str = buf.toString('latin1', 0, buf.length);
    const isAsciiWindow = isAscii(buf);
    const len = buf.length;
    let searchFrom = this.searchedLeftover;
    this.searchedLeftover = 0;
    this.nextSeparator = UNKNOWN;
    let pos = 0;
    while (pos < len && !this.isDead) {
      const c = buf[pos]!;
      if (c === CR || c === LF) {
        pos++; // X12 allows a line break after each terminator
        continue;
      }
      if (c === 0x49 /* I */ || this.delimiters === null) {
        const next = this.readIsaAt(buf, str, isAsciiWindow, pos, isFinal);
        if (next === -1) break; // need more bytes
        if (next !== pos) {
          pos = next;
          searchFrom = 0;
          continue;
        }
      }
      const end = str.indexOf(this.terminatorChar, Math.max(pos, searchFrom));
      searchFrom = 0;
      if (end < 0) {
        if (len - pos > this.maxSegmentBytes) {
          this.reportTooLong(pos, len - pos, false);
          this.isSkippingSegment = true;
          pos = len;
        } else if (isFinal) {
          this.handler.error({
            code: '023',
            message: 'the input ends inside a segment (no segment terminator)',
            offset: this.consumed + pos,
            fatal: false,
            isSegmentDropped: false,
          });
          this.emit(buf, str, isAsciiWindow, pos, len);
          pos = len;
        } else {
          this.searchedLeftover = len - pos;
        }
        break;
      }
      if (end - pos > this.maxSegmentBytes) this.reportTooLong(pos, end - pos, true);
      else this.emit(buf, str, isAsciiWindow, pos, end);
      pos = end + 1;
    }
    this.keep(buf, this.isDead ? len : pos);
  }

  /**
   * At a segment start that may be an ISA (or must be one, before the first interchange):
   * returns the position after the ISA, `pos` when it is not an ISA, -1 to wait for more bytes.
   */
  private readIsaAt(
    buf: Buffer,
    str: string,
    isAsciiWindow: boolean,
    pos: number,
    isFinal: boolean,
  ): number {
    if (this.delimiters === null) {
      const skipped = this.skipPreamble(buf, pos, isFinal);
      if (skipped === -1 || skipped === buf.length) return skipped === -1 ? -1 : buf.length;
      // Wait for a few bytes before judging, so the verdict never depends on chunk sizes.
      if (!isFinal && buf.length - skipped < ISA_PROBE_BYTES) return -1;
      pos = skipped;
    } else {
      if (buf.length - pos < 4) return isFinal || !startsLikeIsa(buf, pos) ? pos : -1;
      if (buf[pos + 1] !== 0x53 || buf[pos + 2] !== 0x41 || isAlphanumeric(buf[pos + 3]!)) {
        return pos;
      }
    }
    const detection = detectAt(buf, pos);
    if (!detection.ok) {
      // isTruncated only comes back within ISA_SEARCH_LIMIT bytes of `pos`: waiting is bounded.
      if (detection.isTruncated && !isFinal) return -1;
      this.fail(detection.code, detection.message, this.consumed + detection.offset);
      return buf.length;
    }
    this.delimiters = detection.delimiters;
    this.elementChar = detection.delimiters.element;
    this.terminatorChar = detection.delimiters.segment;
    this.terminatorByte = this.terminatorChar.charCodeAt(0);
    this.nextSeparator = UNKNOWN;
    const end = pos + detection.isaLength - 1;
    this.emit(buf, str, isAsciiWindow, pos, end);
    return end + 1;
  }

  /** Before the first ISA: skips a UTF-8 BOM at stream start and whitespace; -1 = need more. */
  private skipPreamble(buf: Buffer, pos: number, isFinal: boolean): number {
    if (this.consumed + pos === 0 && buf[0] === 0xef) {
      if (buf.length < 3 && !isFinal) return -1;
      if (buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
    }
    while (
      pos < buf.length &&
      (buf[pos] === 0x20 || buf[pos] === 0x09 || buf[pos] === CR || buf[pos] === LF)
    ) {
      pos++;
    }
    return pos;
  }

  private emit(buf: Buffer, str: string, isAsciiWindow: boolean, start: number, end: number): void {
    // Separator positions first, into a reused scratch array, so `elements` is allocated once
    // at its final size. `nextSeparator` remembers the last search so a window is never rescanned.
    const elementChar = this.elementChar;
    let bounds = this.separatorPositions;
    let count = 0;
    let sep = this.nextSeparator;
    let from = start;
    for (;;) {
      if (sep !== -1 && sep < from) sep = str.indexOf(elementChar, from);
      if (sep === -1 || sep >= end) break;
      if (count === bounds.length) bounds = this.separatorPositions = growInt32(bounds);
      bounds[count++] = sep;
      from = sep + 1;
    }
    this.nextSeparator = sep;

    const idEnd = count > 0 ? bounds[0]! : end;
    const id = isAsciiWindow ? str.slice(start, idEnd) : elementValue(buf, str, start, idEnd);
    const elements = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      const from = bounds[i]! + 1;
      const to = i + 1 < count ? bounds[i + 1]! : end;
      elements[i] = isAsciiWindow ? str.slice(from, to) : elementValue(buf, str, from, to);
    }
    this.handler.segment({ id, elements, offset: this.consumed + start }, this.delimiters!);
  }

  private reportTooLong(pos: number, length: number, isComplete: boolean): void {
    this.handler.error({
      code: '024',
      message:
        `segment longer than ${this.maxSegmentBytes} bytes ` +
        (isComplete ? `(${length} bytes), skipped` : 'skipped up to its terminator'),
      offset: this.consumed + pos,
      fatal: false,
      isSegmentDropped: true,
    });
  }

  private fail(code: string, message: string, offset: number): void {
    this.isDead = true;
    this.handler.error({ code, message, offset, fatal: true, isSegmentDropped: false });
  }

  private keep(buf: Buffer, pos: number): void {
    this.consumed += pos;
    // A copy, so one unfinished segment never pins a whole chunk.
    this.leftover = pos >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
  }
}

/** Reads a whole input at once; errors are returned, never thrown. */
export function tokenize(
  input: Buffer | string,
  options?: TokenizerOptions,
): { segments: Segment[]; errors: TokenizeError[] } {
  const segments: Segment[] = [];
  const errors: TokenizeError[] = [];
  const tokenizer = new X12Tokenizer(
    {
      segment: (segment) => void segments.push(segment),
      error: (error) => void errors.push(error),
    },
    options,
  );
  tokenizer.push(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  tokenizer.end();
  return { segments, errors };
}

/** A value in a window holding non-ASCII bytes: UTF-8 when valid, latin1 otherwise. */
function elementValue(buf: Buffer, str: string, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    if (str.charCodeAt(i) > 0x7f) {
      const bytes = buf.subarray(start, end);
      return isUtf8(bytes) ? bytes.toString('utf8') : str.slice(start, end);
    }
  }
  return str.slice(start, end);
}

function growInt32(array: Int32Array): Int32Array {
  const grown = new Int32Array(array.length * 2);
  grown.set(array);
  return grown;
}

function isAlphanumeric(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}
