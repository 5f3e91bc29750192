import {
  serializeSegmentsToBuffer,
  wrapInterchange,
  type FunctionalGroupSpec,
  type SegmentData,
} from '../../x12/serialize';
import type { BuiltTransactionSet } from './build-set';
import type { X12OutboundSettings } from './settings';

/** A set with the control numbers it was given: its own ST02, its group's GS06. */
export interface NumberedSet extends BuiltTransactionSet {
  st02: string;
  gs06: string;
}

/**
 * One interchange holding the sets in order, one functional group per GS01 (an interchange of
 * invoices and ship notices has an IN and an SH group), with the control numbers allocated for
 * it. Counts and trailers come from wrapInterchange.
 *
 * Hot: once per outbound interchange, timed by bench/x12-generate.ts (row "crossdock full
 * path"); the bytes are written straight from the segments (serializeSegmentsToBuffer).
 */
export function assembleInterchange(
  sets: NumberedSet[],
  settings: X12OutboundSettings,
  isa13: string,
  now: Date,
): Buffer {
  const groups = new Map<string, FunctionalGroupSpec>();
  for (const set of sets) {
    let group = groups.get(set.functionalId);
    if (!group) {
      group = {
        functionalId: set.functionalId,
        applicationSender: settings.applicationSender,
        applicationReceiver: settings.applicationReceiver,
        controlNumber: set.gs06,
        version: set.segments[0]?.elements[2] ?? settings.version,
        transactionSets: [],
      };
      groups.set(set.functionalId, group);
    }
    // A copy with this set's ST02, leaving the caller's set as it was.
    const segments: SegmentData[] = set.segments.slice();
    const st = segments[0]!;
    segments[0] = {
      id: 'ST',
      elements: [st.elements[0]!, set.st02.padStart(4, '0'), ...st.elements.slice(2)],
    };
    group.transactionSets.push(segments);
  }
  const segments = wrapInterchange({
    sender: settings.sender,
    receiver: settings.receiver,
    controlNumber: isa13,
    version: settings.interchangeVersion,
    usage: settings.usage,
    ackRequested: settings.ackRequested,
    delimiters: settings.delimiters,
    now,
    groups: [...groups.values()],
  });
  return serializeSegmentsToBuffer(segments, settings.delimiters, settings.lineEnding);
}

/**
 * ISA13, the first GS06 and ST01 of a stored interchange, for file names and logs. The ISA is
 * fixed-length, so its element separator is byte 3 and its terminator byte 105.
 */
export function readEnvelopeNumbers(raw: Buffer): { isa13: string; gs06: string; setId: string } {
  const head = raw.subarray(0, Math.min(raw.length, 4096)).toString('latin1');
  const element = head[3] ?? '*';
  const terminator = head[105] ?? '~';
  const segments = head.split(terminator).map((segment) => segment.trim().split(element));
  const isa = segments.find((s) => s[0] === 'ISA');
  const gs = segments.find((s) => s[0] === 'GS');
  const st = segments.find((s) => s[0] === 'ST');
  return { isa13: isa?.[13] ?? '', gs06: gs?.[6] ?? '', setId: st?.[1] ?? '' };
}
