/**
 * A partner's 997 or 999, read straight from its validated tree and matched to the X12
 * transaction sets we sent it (x12_outbound_sets): AK1 names our group (AK102 = our GS06),
 * each AK2 loop one of its sets (AK202 = our ST02) with its AK5/IK5 verdict and AK3/AK4
 * (IK3/IK4) notes, and AK9 the group's verdict. Whatever cannot be matched or trusted is
 * flagged for the operator, never thrown.
 */
import type { Database } from '../../store/database';
import {
  applyFunctionalAck,
  recordAckTimeline,
  type AckErrors,
  type AckSegmentError,
  type AckVerdict,
  type ReceivedFunctionalAck,
} from '../../store/x12-ack-tracking';
import { setAcceptance } from '../../x12/ack';
import { describeSegmentError } from '../../x12/error-texts';
import type { SegmentError, SegmentNode, TransactionSetTree } from '../../x12/model';
import { ackCodeMeaning } from './ack-codes';

export function isAcknowledgmentSet(setId: string): setId is '997' | '999' {
  return setId === '997' || setId === '999';
}

/** One 997/999 transaction set as the interpreter found it. */
export interface ReceivedAckSet {
  partnerId: string;
  setId: '997' | '999';
  /** ST02 of the ack itself. */
  controlNumber: string;
  /** GS08 of the group carrying the ack. */
  version: string;
  /** Undefined when the set could not be validated (no schema, too large). */
  tree: TransactionSetTree | undefined;
  segmentErrors: SegmentError[];
  setErrors: string[];
}

/** What became of one ack, for the message's processing summary. */
export interface AckTrackingResult {
  /** AK102, when the ack could be read. */
  gs06?: string;
  applied: Array<{ deliveryId: string; st02: string; status: string; code: string }>;
  flagged: Array<{ deliveryId?: string; st02?: string; reason: string }>;
  /** How many there were, when more than the lists hold. */
  appliedCount?: number;
  flaggedCount?: number;
}

/** A 997 may answer thousands of sets; the summary and timeline list this many of each. */
const LISTED_PER_ACK = 100;

/**
 * Tracks the acks of one inbound message. Kept per message so that two acks in one file
 * naming the same set are told apart from the same ack applied again by a retried job.
 */
export class AckTracker {
  private readonly claimed = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly messageId: string,
  ) {}

  async track(ack: ReceivedAckSet): Promise<AckTrackingResult> {
    const result = capped(await this.match(ack));
    const label = { ack: `${ack.setId} ${ack.controlNumber}`, gs06: result.gs06 ?? null };
    await recordAckTimeline(this.db, this.messageId, [
      ...(result.applied.length > 0
        ? [{ stage: 'x12.ack.matched', detail: { ...label, sets: result.applied } }]
        : []),
      ...result.flagged.map((flag) => ({
        stage: 'x12.ack.flagged',
        detail: { ...label, ...flag },
      })),
    ]);
    return result;
  }

  private async match(ack: ReceivedAckSet): Promise<AckTrackingResult> {
    const notMatched = (reason: string, gs06?: string) => ({
      gs06,
      applied: [],
      flagged: [{ reason: `${reason}; it is not matched to anything` }],
    });
    if (!ack.tree) return notMatched(notValidated(ack));
    const reading = readFunctionalAck(ack.tree, ack.setId, ack.version);
    const gs06 = reading.groupControlNumber || undefined;
    const problem = syntaxProblem(ack);
    if (problem) return notMatched(problem, gs06);
    if (reading.functionalId === 'FA') {
      return notMatched(
        'it acknowledges a group of acknowledgments (AK101 FA), and X12 acks are not acknowledged',
        gs06,
      );
    }
    const outcomes = await applyFunctionalAck(this.db, {
      ...reading,
      partnerId: ack.partnerId,
      ackMessageId: this.messageId,
    });
    const result: AckTrackingResult = { gs06, applied: [], flagged: [] };
    for (const outcome of outcomes) {
      if (outcome.kind === 'unmatched') {
        result.flagged.push({ st02: outcome.st02, reason: outcome.reason });
      } else if (outcome.kind === 'duplicate') {
        const { deliveryId, st02, reason } = outcome;
        result.flagged.push({ deliveryId, st02, reason });
      } else if (this.claimed.has(outcome.deliveryId)) {
        result.flagged.push({
          deliveryId: outcome.deliveryId,
          st02: outcome.st02,
          reason: `ST02 ${outcome.st02} of group ${gs06} was already acknowledged by an earlier ack in this message; the first verdict is kept`,
        });
      } else {
        this.claimed.add(outcome.deliveryId);
        const { deliveryId, st02, status, code } = outcome;
        result.applied.push({ deliveryId, st02, status, code });
      }
    }
    return result;
  }
}

function capped(result: AckTrackingResult): AckTrackingResult {
  const { applied, flagged } = result;
  return {
    ...result,
    applied: applied.slice(0, LISTED_PER_ACK),
    flagged: flagged.slice(0, LISTED_PER_ACK),
    ...(applied.length > LISTED_PER_ACK ? { appliedCount: applied.length } : {}),
    ...(flagged.length > LISTED_PER_ACK ? { flaggedCount: flagged.length } : {}),
  };
}

function notValidated(ack: ReceivedAckSet): string {
  const reason = ack.setErrors.includes('1')
    ? `there is no ${ack.setId} schema for version ${ack.version}`
    : 'it was too large to validate';
  return `the ${ack.setId} was not validated: ${reason}`;
}

/** Why an ack's own syntax makes it unfit to act on, or undefined when it is fit. */
function syntaxProblem(ack: ReceivedAckSet): string | undefined {
  // The same judgement the gateway's own 997/999 would pass on it: implementation-guide
  // findings leave it usable, syntax errors do not.
  const { code } = setAcceptance(ack.setId, ack.version, ack);
  if (code !== 'R') return undefined;
  const found = [
    ...ack.setErrors.map((c) => `${ackCodeMeaning('set', c, ack.setId, ack.version).text} (${c})`),
    ...ack.segmentErrors.flatMap(describeSegmentError),
  ];
  const listed = found.slice(0, 5).join('; ') + (found.length > 5 ? '; ...' : '');
  return `the ${ack.setId} has syntax errors (${listed})`;
}

/**
 * The verdicts a 997/999 gives, one per AK2 loop and one for the group's other sets.
 *
 * X12 rules applied:
 * - AK501/IK501: A accepted, E accepted with errors noted, R/M/W/X rejected.
 * - A group rejected as a whole (AK901 R, M, W or X) was not processed by the partner, so every
 *   set in it is rejected, even one its AK5 calls accepted: a group-level error (AK905.., e.g. a
 *   wrong GE01) is answered that way, and its code is the AK901.
 * - Sets no AK2 names: translators commonly list only the sets with findings, and the 997's
 *   AK9 counts the rest as accepted (AK904). So for them P (partially accepted: some *named*
 *   set was rejected) and A mean accepted; E means accepted with errors unless the errors are
 *   all accounted for by named sets (no AK905.. codes and a named set with AK501 E); a rejected
 *   group rejects them. Their ack_code is the AK901.
 */
export function readFunctionalAck(
  tree: TransactionSetTree,
  kind: '997' | '999',
  version: string,
): Omit<ReceivedFunctionalAck, 'partnerId' | 'ackMessageId'> {
  const ak1 = segmentOf(tree, 'AK1');
  const ak9 = segmentOf(tree, 'AK9');
  const groupCode = element(ak9, 'AK901') ?? '';
  const groupErrors = codesOf(ak9, 'AK9', 5, 9).map((c) =>
    ackCodeMeaning('group', c, kind, version),
  );
  const isGroupRejected = ['R', 'M', 'W', 'X'].includes(groupCode);
  const trailer = kind === '999' ? 'IK5' : 'AK5';

  const namedSets = loopsOf(tree, 'AK2').map((loop) => {
    const ak2 = segmentOf(loop, 'AK2');
    const ak5 = segmentOf(loop, trailer);
    const code = element(ak5, `${trailer}01`) ?? '';
    const errors = errorsOf(loop, kind, version);
    const setReasons = codesOf(ak5, trailer, 2, 6).map((c) =>
      ackCodeMeaning('set', c, kind, version),
    );
    if (setReasons.length > 0) errors.set = setReasons;
    let verdict: AckVerdict = { status: setStatus(code), code, errors: nonEmpty(errors) };
    if (isGroupRejected && verdict.status !== 'rejected') {
      if (groupErrors.length > 0) errors.group = groupErrors;
      verdict = { status: 'rejected', code: groupCode, errors: nonEmpty(errors) };
    }
    return {
      setId: element(ak2, 'AK201') ?? '',
      controlNumber: element(ak2, 'AK202') ?? '',
      verdict,
    };
  });

  const errorsAreTheNamedSets =
    groupErrors.length === 0 && namedSets.some((set) => set.verdict.code === 'E');
  const otherStatus: AckVerdict['status'] = isGroupRejected
    ? 'rejected'
    : groupCode === 'E' && !errorsAreTheNamedSets
      ? 'accepted-with-errors'
      : 'accepted';
  return {
    functionalId: element(ak1, 'AK101') ?? '',
    groupControlNumber: element(ak1, 'AK102') ?? '',
    namedSets,
    otherSets: {
      status: otherStatus,
      code: groupCode,
      errors: groupErrors.length > 0 ? { group: groupErrors } : null,
    },
  };
}

function setStatus(code: string): AckVerdict['status'] {
  if (code === 'A') return 'accepted';
  if (code === 'E') return 'accepted-with-errors';
  return 'rejected';
}

/** The AK3/AK4 (IK3/IK4) loops of one AK2 loop. */
function errorsOf(loop: TransactionSetTree, kind: '997' | '999', version: string): AckErrors {
  const note = kind === '999' ? 'IK3' : 'AK3';
  const elementNote = kind === '999' ? 'IK4' : 'AK4';
  const segments: AckSegmentError[] = loopsOf(loop, note).map((segmentLoop) => {
    const ak3 = segmentOf(segmentLoop, note);
    const code = element(ak3, `${note}04`);
    // A 999 nests each IK4 in a loop of its own (with its CTX); a 997 lists AK4s directly.
    const elementNodes =
      kind === '999'
        ? loopsOf(segmentLoop, 'IK4').flatMap((l) => segmentsOf(l, 'IK4'))
        : segmentsOf(segmentLoop, 'AK4');
    const elements = elementNodes.map((ak4) => {
      const where = ak4[`${elementNote}01`];
      const at = Array.isArray(where) ? where : [where ?? ''];
      const reference = element(ak4, `${elementNote}02`);
      const badValue = element(ak4, `${elementNote}04`);
      return {
        position: toNumber(at[0]),
        ...optionalNumber('componentPosition', at[1]),
        ...optionalNumber('repetition', at[2]),
        ...(reference ? { reference } : {}),
        code: ackCodeMeaning('element', element(ak4, `${elementNote}03`) ?? '', kind, version),
        ...(badValue ? { badValue } : {}),
      };
    });
    const loopId = element(ak3, `${note}03`);
    return {
      segmentId: element(ak3, `${note}01`) ?? '',
      position: toNumber(element(ak3, `${note}02`)),
      ...(loopId ? { loopId } : {}),
      ...(code ? { code: ackCodeMeaning('segment', code, kind, version) } : {}),
      ...(elements.length > 0 ? { elements } : {}),
    };
  });
  return segments.length > 0 ? { segments } : {};
}

function nonEmpty(errors: AckErrors): AckErrors | null {
  return Object.keys(errors).length > 0 ? errors : null;
}

function toNumber(value: string | undefined): number | null {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
}

function optionalNumber(key: string, value: string | undefined): Record<string, number> {
  const number = toNumber(value);
  return number === null ? {} : { [key]: number };
}

/** XXnn..XXmm of a segment, e.g. AK502..AK506, empty ones left out. */
function codesOf(segment: SegmentNode | undefined, id: string, from: number, to: number) {
  const codes: string[] = [];
  for (let position = from; position <= to; position++) {
    const code = element(segment, `${id}${String(position).padStart(2, '0')}`);
    if (code) codes.push(code);
  }
  return codes;
}

function element(segment: SegmentNode | undefined, id: string): string | undefined {
  const value = segment?.[id];
  return Array.isArray(value) ? value[0] : value;
}

function segmentsOf(node: TransactionSetTree, id: string): SegmentNode[] {
  const value = node[id];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as SegmentNode[];
}

function segmentOf(node: TransactionSetTree, id: string): SegmentNode | undefined {
  return segmentsOf(node, id)[0];
}

function loopsOf(node: TransactionSetTree, loopId: string): TransactionSetTree[] {
  const value = node[`${loopId}Loop`];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as TransactionSetTree[];
}
