/**
 * The envelope state machine behind envelope.ts: turns the token stream into interchanges,
 * functional groups and transaction sets, checking control numbers and counts on the way
 * (X12.5, X12.6), with one transaction set in memory at a time.
 *
 * Every `interchange` item is followed by its `interchangeEnd`, every `group` by its `groupEnd`,
 * even when trailers are missing or the input breaks off: missing trailers become error codes.
 * Bad input never throws; a fatal `error` item (input that is not X12) ends the stream.
 * Non-fatal tokenizer errors are yielded as `error` items where they occur, and also counted
 * where an acknowledgment needs them: `5` on the open transaction set for a dropped segment,
 * a TA1 error on the open interchange otherwise.
 */
import { readGroupHeader, readInterchangeHeader, type Ta1Error } from './envelope-headers';
import type {
  EnvelopeItem,
  GroupEndItem,
  InterchangeEndItem,
  TransactionSetItem,
} from './envelope-items';
import type { Delimiters, FunctionalGroupHeader, InterchangeHeader, Segment } from './model';
import {
  X12Tokenizer,
  type SegmentHandler,
  type TokenizeError,
  type TokenizerOptions,
} from './tokenize';

/** Default cap on the segments of one transaction set (ST and SE included). */
export const DEFAULT_MAX_SEGMENTS_PER_SET = 1_000_000;
/** Default cap on the bytes of one transaction set, from its ST to its last segment. */
export const DEFAULT_MAX_SET_BYTES = 64 * 1024 * 1024;

export interface EnvelopeOptions extends TokenizerOptions {
  maxSegmentsPerSet?: number;
  maxSetBytes?: number;
}

interface OpenInterchange {
  header: InterchangeHeader;
  errors: Ta1Error[];
  groupCount: number;
}
interface OpenGroup {
  header: FunctionalGroupHeader;
  errors: string[];
  transactionCount: number;
}
interface OpenSet {
  st: Segment;
  segments: Segment[];
  errors: string[];
  /** Segments the partner sent, ST included, whether kept or not (X12.6: SE01 counts ST and SE). */
  segmentCount: number;
  overflow?: TransactionSetItem['overflow'];
}

/** The state machine both readers share: push bytes, take the items they completed. */
export class EnvelopeReader implements SegmentHandler {
  private readonly tokenizer: X12Tokenizer;
  private readonly maxSegmentsPerSet: number;
  private readonly maxSetBytes: number;
  private items: EnvelopeItem[] = [];
  private interchange: OpenInterchange | null = null;
  private group: OpenGroup | null = null;
  private set: OpenSet | null = null;
  /** The last segment was out of place and reported: the rest of its run is not reported again. */
  private isInStrayRun = false;
  private hasFinished = false;

  constructor(options: EnvelopeOptions = {}) {
    this.tokenizer = new X12Tokenizer(this, options);
    this.maxSegmentsPerSet = options.maxSegmentsPerSet ?? DEFAULT_MAX_SEGMENTS_PER_SET;
    this.maxSetBytes = options.maxSetBytes ?? DEFAULT_MAX_SET_BYTES;
  }

  /** True after a fatal error or `end()`: nothing more will come. */
  get isDone(): boolean {
    return this.hasFinished;
  }

  push(chunk: Buffer): void {
    if (!this.hasFinished) this.tokenizer.push(chunk);
  }

  end(): void {
    if (this.hasFinished) return;
    this.tokenizer.end();
    this.finish('the input ends before the IEA');
  }

  takeItems(): EnvelopeItem[] {
    const items = this.items;
    this.items = [];
    return items;
  }

  /** @internal called by the tokenizer */
  segment(segment: Segment, delimiters: Delimiters): void {
    switch (segment.id) {
      case 'ISA':
        return this.openInterchange(segment, delimiters);
      case 'IEA':
        return this.closeInterchange(segment);
      case 'GS':
        return this.openGroup(segment);
      case 'GE':
        return this.closeGroup(segment);
      case 'ST':
        return this.openSet(segment);
      case 'SE':
        return this.closeSet(segment);
      default:
        if (this.set) {
          this.append(this.set, segment);
        } else if (segment.id === 'TA1' && this.interchange && !this.group) {
          this.items.push({ kind: 'ta1', interchange: this.interchange.header, segment });
        } else {
          this.reportStray(
            segment,
            `${segment.id || 'an empty'} segment outside a transaction set`,
          );
        }
    }
  }

  /** @internal called by the tokenizer */
  error(error: TokenizeError): void {
    const { code, message, offset, fatal } = error;
    this.items.push({ kind: 'error', code, message, offset, fatal });
    if (fatal) {
      this.finish(`unreadable input at byte ${offset}: ${message}`);
    } else if (this.set && error.isSegmentDropped) {
      this.set.segmentCount++;
      addOnce(this.set.errors, '5');
    } else if (this.interchange && !this.set) {
      this.interchange.errors.push({ code, message: `${message} (byte ${offset})` });
    }
  }

  private openInterchange(isa: Segment, delimiters: Delimiters): void {
    this.closeOpen(`a new ISA began at byte ${isa.offset} before the IEA`);
    const { header, errors } = readInterchangeHeader(isa, delimiters);
    this.interchange = { header, errors: [...errors], groupCount: 0 };
    this.isInStrayRun = false;
    this.items.push({ kind: 'interchange', header, headerErrors: errors });
  }

  private closeInterchange(iea: Segment): void {
    const interchange = this.interchange;
    if (!interchange) return this.reportStray(iea, 'IEA without an ISA');
    this.closeOpenSet();
    this.closeOpenGroup();
    const [count = '', controlNumber = ''] = iea.elements;
    if (!isCount(count, interchange.groupCount)) {
      interchange.errors.push({
        code: '021',
        message: `IEA01 says ${count} groups, the interchange has ${interchange.groupCount}`,
      });
    }
    if (controlNumber !== interchange.header.controlNumber) {
      interchange.errors.push({
        code: '001',
        message: `IEA02 '${controlNumber}' does not match ISA13 '${interchange.header.controlNumber}'`,
      });
    }
    this.endInterchange(interchange);
  }

  private openGroup(gs: Segment): void {
    const interchange = this.interchange;
    if (!interchange) return this.reportStray(gs, 'GS outside an interchange');
    this.closeOpenSet();
    this.closeOpenGroup();
    const { header, groupErrors, interchangeErrors } = readGroupHeader(gs);
    interchange.groupCount++;
    interchange.errors.push(...interchangeErrors);
    this.group = { header, errors: groupErrors, transactionCount: 0 };
    this.isInStrayRun = false;
    this.items.push({ kind: 'group', header });
  }

  private closeGroup(ge: Segment): void {
    const group = this.group;
    if (!group) return this.reportStray(ge, 'GE without a GS');
    this.closeOpenSet();
    const [count = '', controlNumber = ''] = ge.elements;
    if (controlNumber !== group.header.controlNumber) addOnce(group.errors, '4');
    if (!isCount(count, group.transactionCount)) addOnce(group.errors, '5');
    this.endGroup(group);
  }

  private openSet(st: Segment): void {
    const group = this.group;
    if (!group) return this.reportStray(st, 'ST outside a functional group');
    this.closeOpenSet();
    group.transactionCount++;
    const errors: string[] = [];
    if (!st.elements[0]) errors.push('6');
    if (!st.elements[1]) errors.push('7');
    this.set = { st, segments: [st], errors, segmentCount: 1 };
    this.isInStrayRun = false;
  }

  private closeSet(se: Segment): void {
    const set = this.set;
    if (!set) return this.reportStray(se, 'SE without an ST');
    this.append(set, se);
    const [count = '', controlNumber = ''] = se.elements;
    if (controlNumber !== (set.st.elements[1] ?? '')) addOnce(set.errors, '3');
    if (!isCount(count, set.segmentCount)) addOnce(set.errors, '4');
    this.endSet(set);
  }

  private append(set: OpenSet, segment: Segment): void {
    set.segmentCount++;
    if (set.overflow) {
      if (segment.id === 'SE') set.segments.push(segment);
      return;
    }
    if (set.segmentCount > this.maxSegmentsPerSet) {
      set.overflow = { limit: 'segments', max: this.maxSegmentsPerSet };
    } else if (segment.offset - set.st.offset > this.maxSetBytes) {
      set.overflow = { limit: 'bytes', max: this.maxSetBytes };
    } else {
      set.segments.push(segment);
      return;
    }
    set.segments = segment.id === 'SE' ? [set.st, segment] : [set.st];
    addOnce(set.errors, '5');
  }

  /** Reports a segment that belongs nowhere, once per run of such segments. */
  private reportStray(segment: Segment, what: string): void {
    if (this.isInStrayRun) return;
    this.isInStrayRun = true;
    const message = `${what} at byte ${segment.offset}`;
    if (this.interchange) this.interchange.errors.push({ code: '024', message });
    else
      this.items.push({
        kind: 'error',
        code: '024',
        message,
        offset: segment.offset,
        fatal: false,
      });
  }

  private finish(reason: string): void {
    this.closeOpen(reason);
    this.hasFinished = true;
  }

  /** Closes whatever is open, each with its missing-trailer error. */
  private closeOpen(reason: string): void {
    this.closeOpenSet();
    this.closeOpenGroup();
    if (this.interchange) {
      this.interchange.errors.push({ code: '023', message: `IEA missing: ${reason}` });
      this.endInterchange(this.interchange);
    }
  }

  private closeOpenSet(): void {
    if (!this.set) return;
    addOnce(this.set.errors, '2');
    this.endSet(this.set);
  }

  private closeOpenGroup(): void {
    if (!this.group) return;
    addOnce(this.group.errors, '3');
    this.endGroup(this.group);
  }

  private endSet(set: OpenSet): void {
    this.set = null;
    const item: TransactionSetItem = {
      kind: 'transaction',
      group: this.group!.header,
      setId: set.st.elements[0] ?? '',
      controlNumber: set.st.elements[1] ?? '',
      segments: set.segments,
      setErrors: set.errors,
    };
    if (set.overflow) item.overflow = set.overflow;
    this.items.push(item);
  }

  private endGroup(group: OpenGroup): void {
    this.group = null;
    const { header: groupHeader, errors, transactionCount } = group;
    this.items.push({ kind: 'groupEnd', group: groupHeader, errors, transactionCount });
  }

  private endInterchange(interchange: OpenInterchange): void {
    this.interchange = null;
    this.isInStrayRun = false;
    const { header, errors, groupCount } = interchange;
    this.items.push({ kind: 'interchangeEnd', header, errors, groupCount });
  }
}

/** True when `value` is all digits and equals `count` (X12 counts are N0). */
function isCount(value: string, count: number): boolean {
  if (value.length === 0 || value.length > 10) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return Number(value) === count;
}

function addOnce(codes: string[], code: string): void {
  if (!codes.includes(code)) codes.push(code);
}
