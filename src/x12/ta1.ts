/**
 * The TA1 interchange acknowledgment segment (X12.5): which interchange (ISA13, ISA09, ISA10),
 * whether it was accepted, and the note code of the first problem found.
 */
import { isValidDate, isValidTime } from './envelope-headers';
import type { InterchangeHeader } from './model';
import { formatHhmm, formatYymmdd, type SegmentData } from './serialize';

export interface Ta1Outcome {
  /** TA105 note code: `000` no error, else the code of the problem (e.g. `001`, `023`). */
  code: string;
  /** TA104: A accepted, E accepted with errors noted, R rejected. */
  acceptance: 'A' | 'E' | 'R';
}

/**
 * Builds the TA1 for an interchange. TA102/TA103 echo ISA09/ISA10; when those are not a valid
 * date or time (the very error being reported, perhaps), `now` (UTC) stands in so the TA1
 * itself stays valid. A TA101 that is not nine digits is zero-padded, or all zeros if unusable.
 */
export function buildTa1(header: InterchangeHeader, outcome: Ta1Outcome, now: Date): SegmentData {
  if (!/^\d{3}$/.test(outcome.code)) {
    throw new RangeError(`TA105 must be a 3-digit note code: '${outcome.code}'`);
  }
  return {
    id: 'TA1',
    elements: [
      ta1ControlNumber(header.controlNumber),
      isValidDate(header.date) ? header.date : formatYymmdd(now),
      isValidTime(header.time) ? header.time : formatHhmm(now),
      outcome.acceptance,
      outcome.code,
    ],
  };
}

function ta1ControlNumber(value: string): string {
  const trimmed = value.trim();
  return /^\d{1,9}$/.test(trimmed) ? trimmed.padStart(9, '0') : '000000000';
}
