import type { Conclusion, OutboundAnswer } from '../../pipeline/interpreter';
import type { TransactionSetItem } from '../../x12/envelope';
import type { FunctionalGroupHeader, InterchangeHeader, SegmentError } from '../../x12/model';
import type { AckTrackingResult } from './ack-matching';

/** Beyond this many transaction sets the summary counts instead of listing. */
const LISTED_SETS = 1000;
const LISTED_ERRORS_PER_SET = 10;

interface SetSummary {
  setId: string;
  controlNumber: string;
  /** A accepted, R rejected (as in AK5/IK5). */
  status: 'A' | 'R';
  event?: boolean;
  errors?: unknown[];
  mappingProblem?: string;
  /** For a partner's 997/999: which of our sets it settled, and what it could not. */
  ackTracking?: AckTrackingResult;
}

interface GroupSummary {
  functionalId: string;
  controlNumber: string;
  version: string;
  status?: 'A' | 'E' | 'P' | 'R';
  accepted: number;
  rejected: number;
  transactionSets: SetSummary[];
  errors?: string[];
}

interface InterchangeSummary {
  controlNumber: string;
  sender: string;
  receiver: string;
  status: 'processed' | 'unroutable' | 'duplicate' | 'rejected';
  reason?: { code: string; message: string };
  groups: GroupSummary[];
  trailerErrors?: Array<{ code: string; message: string }>;
}

/**
 * What processing an X12 file found and did, per interchange, group and transaction set: the
 * message's summary in the store, which operators read and sync acks are judged by.
 */
export class ProcessingSummary {
  private readonly interchanges: InterchangeSummary[] = [];
  private readonly errors: Array<{ code: string; message: string; offset: number }> = [];
  private listed = 0;
  private events = 0;
  private flaggedAcks = 0;

  interchange(
    header: InterchangeHeader,
    skip?: { code: string; message: string; status: InterchangeSummary['status'] },
  ): void {
    this.interchanges.push({
      controlNumber: header.controlNumber,
      sender: `${header.senderQualifier}/${header.senderId}`,
      receiver: `${header.receiverQualifier}/${header.receiverId}`,
      status: skip?.status ?? 'processed',
      ...(skip ? { reason: { code: skip.code, message: skip.message } } : {}),
      groups: [],
    });
  }

  group(header: FunctionalGroupHeader): void {
    this.currentInterchange()?.groups.push({
      functionalId: header.functionalId,
      controlNumber: header.controlNumber,
      version: header.version,
      accepted: 0,
      rejected: 0,
      transactionSets: [],
    });
  }

  transactionSet(
    item: TransactionSetItem,
    accepted: boolean,
    segmentErrors: SegmentError[],
    setErrors: string[],
    madeEvent: boolean,
  ): void {
    const group = this.currentGroup();
    if (!group) return;
    if (accepted) group.accepted++;
    else group.rejected++;
    if (madeEvent) this.events++;
    if (this.listed >= LISTED_SETS) return;
    this.listed++;
    const errors = [...setErrors.map((code) => ({ setError: code })), ...segmentErrors].slice(
      0,
      LISTED_ERRORS_PER_SET,
    );
    group.transactionSets.push({
      setId: item.setId,
      controlNumber: item.controlNumber,
      status: accepted ? 'A' : 'R',
      ...(madeEvent ? { event: true } : {}),
      ...(errors.length > 0 ? { errors } : {}),
    });
  }

  mappingProblem(item: TransactionSetItem, problem: string): void {
    const set = this.currentGroup()?.transactionSets.find(
      (s) => s.controlNumber === item.controlNumber && s.setId === item.setId,
    );
    if (set) set.mappingProblem = problem;
    else
      this.errors.push({
        code: 'mapping',
        message: `${item.setId} ${item.controlNumber}: ${problem}`,
        offset: item.segments[0]?.offset ?? 0,
      });
  }

  acknowledgmentTracked(item: TransactionSetItem, result: AckTrackingResult): void {
    this.flaggedAcks += result.flaggedCount ?? result.flagged.length;
    const set = this.currentGroup()?.transactionSets.find(
      (s) => s.controlNumber === item.controlNumber && s.setId === item.setId,
    );
    if (set) {
      set.ackTracking = result;
      return;
    }
    for (const flag of result.flagged) {
      this.errors.push({
        code: 'ack-flagged',
        message: `${item.setId} ${item.controlNumber}: ${flag.reason}`,
        offset: item.segments[0]?.offset ?? 0,
      });
    }
  }

  groupEnd(
    errors: string[],
    sets: Array<{ segmentErrors: SegmentError[]; setErrors: string[] }>,
  ): void {
    const group = this.currentGroup();
    if (!group) return;
    if (errors.length > 0) group.errors = errors;
    const rejected = sets.filter(
      (s) => s.segmentErrors.length > 0 || s.setErrors.length > 0,
    ).length;
    group.status =
      rejected === 0 ? (errors.length > 0 ? 'E' : 'A') : rejected === sets.length ? 'R' : 'P';
  }

  interchangeEnd(errors: Array<{ code: string; message: string }>): void {
    const interchange = this.currentInterchange();
    if (interchange && errors.length > 0)
      interchange.trailerErrors = errors.map((e) => ({ code: e.code, message: e.message }));
  }

  error(code: string, message: string, offset: number): void {
    this.errors.push({ code, message, offset });
  }

  conclusion(answers: OutboundAnswer[]): Conclusion {
    const summary = {
      interchanges: this.interchanges,
      events: this.events,
      ...(this.flaggedAcks > 0 ? { flaggedAcks: this.flaggedAcks } : {}),
      ...(this.errors.length > 0 ? { errors: this.errors } : {}),
    };
    if (this.interchanges.length === 0) {
      return {
        status: 'rejected',
        reason: this.errors[0]?.message ?? 'no interchange found',
        summary,
        answers,
      };
    }
    const allUnroutable = this.interchanges.every((i) => i.status === 'unroutable');
    return { status: allUnroutable ? 'unroutable' : 'processed', summary, answers };
  }

  private currentInterchange(): InterchangeSummary | undefined {
    return this.interchanges[this.interchanges.length - 1];
  }

  private currentGroup(): GroupSummary | undefined {
    const groups = this.currentInterchange()?.groups;
    return groups?.[groups.length - 1];
  }
}
