/**
 * Reads an interchange's separators from its ISA segment (X12.5: ISA is fixed-width, 106 bytes
 * with its terminator; the element separator is the byte after `ISA`, ISA16 the component
 * separator, the byte after ISA16 the segment terminator, ISA11 the repetition separator from
 * version 00402 on).
 *
 * Choices where the standard is silent:
 * - A UTF-8 BOM and whitespace before the ISA are skipped; `isaOffset` says where ISA starts.
 * - The segment terminator is always the byte after ISA16. A file written with CRLF line ends
 *   and no other terminator therefore has `\r` as its terminator; the `\n` that follows each
 *   `\r` is skipped by the tokenizer as a line break, like any CR/LF after a terminator.
 * - CR and LF may only be the segment terminator, never another separator, and no separator may
 *   be a letter, a digit, a space, NUL or a byte above 0x7F (which would cut UTF-8 sequences).
 * - An ISA that is not exactly 106 bytes (an unpadded sender id, say) is still read when its 16
 *   elements can be found; `isaLength` tells, and the envelope reports the wrong widths.
 */
import type { Delimiters } from './model';

/** Bytes of a well-formed ISA, terminator included. */
export const ISA_LENGTH = 106;
/** How far a malformed (not fixed-width) ISA is searched for its 16th element separator. */
export const ISA_SEARCH_LIMIT = 512;

export type DelimiterDetection =
  | {
      ok: true;
      delimiters: Delimiters;
      /** Where `ISA` starts in the bytes given (after a BOM and leading whitespace). */
      isaOffset: number;
      /** Bytes from the `I` of ISA to its terminator inclusive: 106 when fixed-width. */
      isaLength: number;
    }
  | {
      ok: false;
      /** TA105 note code: 004 bad terminator, 022 not an ISA, 023 truncated, 026/027 separators. */
      code: string;
      message: string;
      /** Offset of the problem in the bytes given. */
      offset: number;
      /** True when more bytes could still make this a valid ISA (the input ended too early). */
      isTruncated: boolean;
    };

const BYTE_I = 0x49;
const BYTE_S = 0x53;
const BYTE_A = 0x41;
const CR = 0x0d;
const LF = 0x0a;

/** Reads the separators from the ISA at the start of `head` (after an optional BOM and whitespace). */
export function detectDelimiters(head: Buffer, start = 0): DelimiterDetection {
  let at = start;
  if (head[at] === 0xef && head[at + 1] === 0xbb && head[at + 2] === 0xbf) at += 3;
  while (at < head.length && isWhitespace(head[at]!)) at++;
  return detectAt(head, at);
}

/** Reads the separators from an ISA known to start exactly at `at`. */
export function detectAt(head: Buffer, at: number): DelimiterDetection {
  const available = head.length - at;
  if (available < 4) {
    const isPrefix = startsLikeIsa(head, at);
    return isPrefix
      ? fail('023', `input ends after ${available} byte(s) of an ISA segment`, at, true)
      : fail('022', `not an X12 interchange: expected ISA, found ${show(head, at)}`, at);
  }
  if (head[at] !== BYTE_I || head[at + 1] !== BYTE_S || head[at + 2] !== BYTE_A) {
    return fail('022', `not an X12 interchange: expected ISA, found ${show(head, at)}`, at);
  }
  const element = head[at + 3]!;
  if (!isSeparatorByte(element)) {
    return fail('026', `invalid data element separator ${describe(element)} after ISA`, at + 3);
  }

  // The 16 element separators of the ISA; fixed-width puts the 16th at byte 103.
  const separators = findIsaSeparators(head, at, element);
  if (separators === 'truncated') {
    return fail('023', `input ends inside the ISA segment (${available} bytes)`, at, true);
  }
  if (separators === 'missing') {
    return fail(
      '022',
      `no complete ISA: 16 elements not found within ${ISA_SEARCH_LIMIT} bytes`,
      at,
    );
  }
  const last = separators[15]!;
  const component = head[last + 1]!;
  const terminator = head[last + 2]!;
  if (!isSeparatorByte(component) || component === element) {
    return fail(
      '027',
      `invalid component element separator ${describe(component)} (ISA16)`,
      last + 1,
    );
  }
  if (!isTerminatorByte(terminator) || terminator === element || terminator === component) {
    return fail('004', `invalid segment terminator ${describe(terminator)} after ISA16`, last + 2);
  }
  for (let i = at + 4; i < last; i++) {
    if (head[i] === terminator) {
      return fail('022', `the ISA ends at byte ${i - at} before its 16th element`, i);
    }
  }

  const version = head.toString('latin1', separators[11]! + 1, separators[12]!);
  const repetitionByte = separators[11]! - separators[10]! === 2 ? head[separators[10]! + 1]! : -1;
  const hasRepetition =
    version >= '00402' &&
    isSeparatorByte(repetitionByte) &&
    repetitionByte !== element &&
    repetitionByte !== component &&
    repetitionByte !== terminator;
  return {
    ok: true,
    delimiters: {
      element: String.fromCharCode(element),
      component: String.fromCharCode(component),
      repetition: hasRepetition ? String.fromCharCode(repetitionByte) : null,
      segment: String.fromCharCode(terminator),
    },
    isaOffset: at,
    isaLength: last + 3 - at,
  };
}

/** True when `head` at `at` holds `I`, `IS` or `ISA` up to its end: an ISA may be coming. */
export function startsLikeIsa(head: Buffer, at: number): boolean {
  const want = [BYTE_I, BYTE_S, BYTE_A];
  for (let i = 0; i < 3 && at + i < head.length; i++) if (head[at + i] !== want[i]) return false;
  return true;
}

/** A byte usable as element, component or repetition separator. */
export function isSeparatorByte(b: number): boolean {
  return (
    b > 0x00 &&
    b < 0x80 &&
    b !== 0x20 &&
    b !== CR &&
    b !== LF &&
    !(b >= 0x30 && b <= 0x39) &&
    !(b >= 0x41 && b <= 0x5a) &&
    !(b >= 0x61 && b <= 0x7a)
  );
}

function isTerminatorByte(b: number): boolean {
  return b === CR || b === LF || isSeparatorByte(b);
}

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === CR || b === LF;
}

function findIsaSeparators(
  head: Buffer,
  at: number,
  element: number,
): number[] | 'truncated' | 'missing' {
  const fixed: number[] = [];
  if (head.length >= at + ISA_LENGTH && head[at + 103] === element) {
    for (let i = at + 3; i <= at + 103 && fixed.length <= 16; i++)
      if (head[i] === element) fixed.push(i);
    if (fixed.length === 16) return fixed;
  }
  const found: number[] = [];
  const limit = Math.min(head.length, at + ISA_SEARCH_LIMIT);
  for (let i = at + 3; i < limit; i++) {
    if (head[i] === element) {
      found.push(i);
      if (found.length === 16) return i + 2 < head.length ? found : 'truncated';
    }
  }
  return limit === at + ISA_SEARCH_LIMIT ? 'missing' : 'truncated';
}

function fail(
  code: string,
  message: string,
  offset: number,
  isTruncated = false,
): DelimiterDetection {
  return { ok: false, code, message, offset, isTruncated };
}

function describe(b: number | undefined): string {
  if (b === undefined) return 'missing';
  if (b >= 0x21 && b < 0x7f) return `'${String.fromCharCode(b)}'`;
  return `0x${b.toString(16).padStart(2, '0')}`;
}

function show(head: Buffer, at: number): string {
  const bytes = [...head.subarray(at, at + 8)].map(describe);
  return bytes.length === 0 ? 'end of input' : bytes.join(' ');
}
