/**
 * What partners' 997/999s said about the X12 transaction sets we sent them (x12_outbound_sets,
 * migration 003), and the operator's view of those sets: which are acknowledged, which were
 * rejected, which are overdue.
 */
import type { Database, Queryable } from './database';
import { OUTBOUND_SET_COLUMNS, type OutboundSetRow } from './x12-outbound';

export type OutboundSetStatus =
  'queued' | 'assembled' | 'sent' | 'accepted' | 'accepted-with-errors' | 'rejected';

export const OUTBOUND_SET_STATUSES: readonly OutboundSetStatus[] = [
  'queued',
  'assembled',
  'sent',
  'accepted',
  'accepted-with-errors',
  'rejected',
];

export type AcknowledgedStatus = Extract<
  OutboundSetStatus,
  'accepted' | 'accepted-with-errors' | 'rejected'
>;

/** An X12 code and what it means, e.g. `{ code: '7', text: 'Invalid code value' }`. */
export interface CodeMeaning {
  code: string;
  text: string;
}

/** One AK3/IK3 segment note and its AK4/IK4 element notes. */
export interface AckSegmentError {
  segmentId: string;
  position: number | null;
  loopId?: string;
  code?: CodeMeaning;
  elements?: AckElementError[];
}

export interface AckElementError {
  position: number | null;
  componentPosition?: number;
  repetition?: number;
  reference?: string;
  code: CodeMeaning;
  badValue?: string;
}

/** The ack_errors column: what the partner's translator found wrong. */
export interface AckErrors {
  /** AK502..AK506 (IK502..IK506). */
  set?: CodeMeaning[];
  /** AK3/AK4 (IK3/IK4). */
  segments?: AckSegmentError[];
  /** AK905..AK909, when the verdict came from, or was overruled by, the group's AK9. */
  group?: CodeMeaning[];
}

/** What an ack says about one set: the status it moves to and the code that says so. */
export interface AckVerdict {
  status: AcknowledgedStatus;
  /** AK501/IK501, or AK901 when the group's verdict decides. */
  code: string;
  errors: AckErrors | null;
}

/** One acknowledged functional group (AK1 .. AK9) as the partner sent it. */
export interface ReceivedFunctionalAck {
  partnerId: string;
  /** The inbound message holding the 997/999. */
  ackMessageId: string;
  /** AK101: GS01 of the acknowledged group. */
  functionalId: string;
  /** AK102: GS06 of the acknowledged group, as the partner wrote it. */
  groupControlNumber: string;
  /** One per AK2 loop. */
  namedSets: Array<{ setId: string; controlNumber: string; verdict: AckVerdict }>;
  /** For the group's sets no AK2 names. */
  otherSets: AckVerdict;
}

export type SetAckOutcome =
  | {
      kind: 'applied';
      deliveryId: string;
      st02: string;
      status: AcknowledgedStatus;
      code: string;
      /** Received after its ack_due_at. */
      isLate: boolean;
      /** True when this message had already applied it (a retried processing job). */
      isRepeat: boolean;
    }
  | {
      kind: 'duplicate';
      deliveryId: string;
      st02: string;
      reason: string;
    }
  | { kind: 'unmatched'; st02?: string; reason: string };

interface CandidateRow {
  deliveryId: string;
  transactionSet: string;
  functionalId: string;
  st02: string;
  status: OutboundSetStatus;
  ackMessageId: string | null;
  ackCode: string | null;
}

/**
 * Applies one acknowledged group to the sets it names, matched on (partner, GS06, ST02), in
 * one transaction with the matched rows locked, so two acks racing for one set cannot both
 * apply. A set acknowledged before by another message keeps its first verdict and is reported
 * as a duplicate; one acknowledged by this same message (a retried job) is reported applied
 * again without a second write. Applied verdicts go on the outbound message's timeline.
 */
export async function applyFunctionalAck(
  db: Database,
  ack: ReceivedFunctionalAck,
): Promise<SetAckOutcome[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<CandidateRow>(
      `SELECT delivery_id AS "deliveryId", transaction_set AS "transactionSet",
              functional_id AS "functionalId", st02, status, ack_message_id AS "ackMessageId", ack_code AS "ackCode"
       FROM x12_outbound_sets
       WHERE partner_id = $1 AND gs06 = ANY($2::text[])
       ORDER BY delivery_id
       FOR UPDATE`,
      [ack.partnerId, controlNumberForms(ack.groupControlNumber)],
    );
    const { outcomes, updates } = planAcknowledgment(rows, ack);
    await explainUnmatched(tx, ack, outcomes);
    if (updates.length > 0) await writeVerdicts(tx, ack.ackMessageId, updates, outcomes);
    return outcomes;
  });
}

interface PlannedUpdate {
  deliveryId: string;
  verdict: AckVerdict;
}

function planAcknowledgment(
  rows: CandidateRow[],
  ack: ReceivedFunctionalAck,
): { outcomes: SetAckOutcome[]; updates: PlannedUpdate[] } {
  const outcomes: SetAckOutcome[] = [];
  const updates: PlannedUpdate[] = [];
  const inGroup = rows.filter((row) => row.functionalId === ack.functionalId);
  if (inGroup.length === 0) return { outcomes: unknownGroup(rows, ack), updates };
  const group = `group ${ack.groupControlNumber} (${ack.functionalId})`;
  const settle = (row: CandidateRow, verdict: AckVerdict) => {
    const outcome = settleSet(row, verdict, ack.ackMessageId, group);
    outcomes.push(outcome);
    if (outcome.kind === 'applied' && !outcome.isRepeat)
      updates.push({ deliveryId: row.deliveryId, verdict });
  };
  const bySt02 = new Map(inGroup.map((row) => [row.st02, row]));
  const named = new Set<string>();
  for (const set of ack.namedSets) {
    const st02 = set.controlNumber;
    const row = bySt02.get(st02);
    if (!row) {
      const reason = `${group} sent to ${ack.partnerId} has no transaction set with ST02 ${st02}`;
      outcomes.push({ kind: 'unmatched', st02, reason });
    } else if (named.has(row.deliveryId)) {
      const reason = `ST02 ${st02} is named by two AK2 loops of one ack; the first is kept`;
      outcomes.push({ kind: 'duplicate', deliveryId: row.deliveryId, st02, reason });
    } else {
      // Named, even if wrongly: the verdict for the sets no AK2 names is not meant for it.
      named.add(row.deliveryId);
      if (row.transactionSet === set.setId) settle(row, set.verdict);
      else {
        const reason = `ST02 ${st02} of ${group} is a ${row.transactionSet}, the ack names a ${set.setId}`;
        outcomes.push({ kind: 'unmatched', st02, reason });
      }
    }
  }
  for (const row of inGroup) if (!named.has(row.deliveryId)) settle(row, ack.otherSets);
  return { outcomes, updates };
}

function unknownGroup(rows: CandidateRow[], ack: ReceivedFunctionalAck): SetAckOutcome[] {
  const sentAs = rows[0]?.functionalId;
  const reason = sentAs
    ? `GS06 ${ack.groupControlNumber} was sent to ${ack.partnerId} as a ${sentAs} group, not ${ack.functionalId}`
    : `no functional group with GS06 ${ack.groupControlNumber} was sent to ${ack.partnerId}`;
  if (ack.namedSets.length === 0) return [{ kind: 'unmatched', reason }];
  return ack.namedSets.map((set) => ({ kind: 'unmatched', st02: set.controlNumber, reason }));
}

/** A set's verdict applies unless another message acknowledged it first. */
function settleSet(
  row: CandidateRow,
  verdict: AckVerdict,
  ackMessageId: string,
  group: string,
): SetAckOutcome {
  const { deliveryId, st02 } = row;
  if (row.ackMessageId === null) {
    const { status, code } = verdict;
    return { kind: 'applied', deliveryId, st02, status, code, isLate: false, isRepeat: false };
  }
  if (row.ackMessageId === ackMessageId) {
    // A retried job: report what the first run of this message stored.
    const status = row.status as AcknowledgedStatus;
    const code = row.ackCode ?? verdict.code;
    return { kind: 'applied', deliveryId, st02, status, code, isLate: false, isRepeat: true };
  }
  return {
    kind: 'duplicate',
    deliveryId,
    st02,
    reason: `ST02 ${st02} of ${group} was already acknowledged (${row.status}, code ${row.ackCode}) by ${row.ackMessageId}; the first verdict is kept`,
  };
}

/** Sets unmatched for this partner but sent, under the same numbers, to another partner. */
async function explainUnmatched(
  tx: Queryable,
  ack: ReceivedFunctionalAck,
  outcomes: SetAckOutcome[],
): Promise<void> {
  const unmatched = outcomes.filter((o) => o.kind === 'unmatched');
  if (unmatched.length === 0) return;
  const others = await tx.query<{ partnerId: string; st02: string }>(
    `SELECT DISTINCT partner_id AS "partnerId", st02 FROM x12_outbound_sets
     WHERE gs06 = ANY($1::text[]) AND partner_id <> $2 ORDER BY partner_id`,
    [controlNumberForms(ack.groupControlNumber), ack.partnerId],
  );
  for (const outcome of unmatched) {
    const other = others.find((o) => outcome.st02 === undefined || o.st02 === outcome.st02);
    if (other) {
      outcome.reason = `partner mismatch: GS06 ${ack.groupControlNumber}${outcome.st02 ? ` ST02 ${outcome.st02}` : ''} was sent to ${other.partnerId}, but ${ack.partnerId} acknowledged it`;
    }
  }
}

async function writeVerdicts(
  tx: Queryable,
  ackMessageId: string,
  updates: PlannedUpdate[],
  outcomes: SetAckOutcome[],
): Promise<void> {
  const changed = await tx.query<{ deliveryId: string; isLate: boolean }>(
    `WITH v AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS r(delivery_id text, status text, code text, errors jsonb)
     ), changed AS (
       UPDATE x12_outbound_sets s
       SET status = v.status, ack_code = v.code, ack_errors = v.errors,
           ack_message_id = $2, acked_at = now()
       FROM v WHERE s.delivery_id = v.delivery_id
       RETURNING s.delivery_id, s.message_id, s.gs06, s.st02, s.transaction_set, v.status,
                 v.code, COALESCE(s.ack_due_at < now(), false) AS is_late
     ), logged AS (
       INSERT INTO timeline (message_id, stage, detail)
       SELECT message_id, 'x12.acknowledged', jsonb_build_object('deliveryId', delivery_id,
              'transactionSet', transaction_set, 'gs06', gs06, 'st02', st02, 'status', status,
              'code', code, 'ackMessageId', $2::text, 'late', is_late)
       FROM changed WHERE message_id IS NOT NULL
     )
     SELECT delivery_id AS "deliveryId", is_late AS "isLate" FROM changed`,
    [
      JSON.stringify(
        updates.map((u) => ({
          delivery_id: u.deliveryId,
          status: u.verdict.status,
          code: u.verdict.code,
          errors: u.verdict.errors,
        })),
      ),
      ackMessageId,
    ],
  );
  const late = new Set(changed.filter((c) => c.isLate).map((c) => c.deliveryId));
  for (const outcome of outcomes)
    if (outcome.kind === 'applied' && late.has(outcome.deliveryId)) outcome.isLate = true;
}

/**
 * Notes on the ack message's own timeline what became of it. The same entry is written once:
 * a retried processing job repeats nothing.
 */
export async function recordAckTimeline(
  db: Database,
  messageId: string,
  entries: Array<{ stage: string; detail: Record<string, unknown> }>,
): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO timeline (message_id, stage, detail)
     SELECT $1, e.entry->>'stage', e.entry->'detail'
     FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(entry, n)
     WHERE NOT EXISTS (SELECT 1 FROM timeline t WHERE t.message_id = $1
                         AND t.stage = e.entry->>'stage' AND t.detail = e.entry->'detail')
     ORDER BY e.n`,
    [messageId, JSON.stringify(entries)],
  );
}

/**
 * GS06 is N0: a partner may echo it in AK102 with or without leading zeros, so both forms, and
 * the nine-digit one, are looked up (each an index probe, unlike comparing ltrim'd columns).
 */
function controlNumberForms(gs06: string): string[] {
  const bare = gs06.replace(/^0+(?=\d)/, '');
  return [...new Set([gs06, bare, bare.padStart(9, '0')])];
}

export interface OutboundSetRecord extends Omit<OutboundSetRow, 'status' | 'body'> {
  status: OutboundSetStatus;
  /** Still 'sent' after its ack_due_at. */
  isOverdue: boolean;
  ackMessageId: string | null;
  ackCode: string | null;
  ackErrors: AckErrors | null;
  createdAt: Date;
  sentAt: Date | null;
  ackDueAt: Date | null;
  ackedAt: Date | null;
}

const OVERDUE = `(status = 'sent' AND ack_due_at IS NOT NULL AND ack_due_at < now())`;

const SET_COLUMNS = `${OUTBOUND_SET_COLUMNS}, ${OVERDUE} AS "isOverdue",
  ack_message_id AS "ackMessageId", ack_code AS "ackCode", ack_errors AS "ackErrors",
  created_at AS "createdAt", sent_at AS "sentAt", ack_due_at AS "ackDueAt", acked_at AS "ackedAt"`;

export interface OutboundSetFilter {
  partnerId?: string;
  status?: OutboundSetStatus;
  /** true: only overdue sets; false: only sets that are not. */
  isOverdue?: boolean;
  /** Keyset cursor: sets whose delivery id sorts after this one. */
  afterDeliveryId?: string;
  limit: number;
}

/** Sets in delivery-id order (delivery ids start with the sortable id of their message). */
export async function listOutboundSets(
  db: Database,
  filter: OutboundSetFilter,
): Promise<OutboundSetRecord[]> {
  return db.query<OutboundSetRecord>(
    `SELECT ${SET_COLUMNS} FROM x12_outbound_sets
     WHERE ($1::text IS NULL OR partner_id = $1) AND ($2::text IS NULL OR status = $2)
       AND ($3::boolean IS NULL OR ${OVERDUE} = $3) AND ($4::text IS NULL OR delivery_id > $4)
     ORDER BY delivery_id LIMIT $5`,
    [
      filter.partnerId ?? null,
      filter.status ?? null,
      filter.isOverdue ?? null,
      filter.afterDeliveryId ?? null,
      filter.limit,
    ],
  );
}

export async function getOutboundSet(
  db: Database,
  deliveryId: string,
): Promise<OutboundSetRecord | undefined> {
  const rows = await db.query<OutboundSetRecord>(
    `SELECT ${SET_COLUMNS} FROM x12_outbound_sets WHERE delivery_id = $1`,
    [deliveryId],
  );
  return rows[0];
}

/** Per partner and status: how many sets, and how many of them are overdue. One query. */
export async function countOutboundSets(
  db: Database,
): Promise<Array<{ partnerId: string; status: OutboundSetStatus; sets: number; overdue: number }>> {
  return db.query(
    `SELECT partner_id AS "partnerId", status, count(*)::integer AS sets,
            (count(*) FILTER (WHERE ${OVERDUE}))::integer AS overdue
     FROM x12_outbound_sets GROUP BY partner_id, status ORDER BY partner_id, status`,
  );
}
