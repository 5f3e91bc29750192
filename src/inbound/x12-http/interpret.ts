import { validateDocument, documentByKind, type DocumentKind } from '../../canonical';
import type { MapCatalog } from '../../mapping';
import { MapError } from '../../mapping';
import type { LoadedPartner } from '../../partners/registry';
import type {
  Conclusion,
  InterpretedDocument,
  Interpreter,
  InterpreterContext,
  OutboundAnswer,
} from '../../pipeline/interpreter';
import { recordInterchange } from '../../store/x12-interchanges';
import { buildFunctionalAck } from '../../x12/ack';
import { readInterchanges, type EnvelopeItem, type TransactionSetItem } from '../../x12/envelope';
import type {
  FunctionalGroupHeader,
  InterchangeHeader,
  SegmentError,
  TransactionSetTree,
} from '../../x12/model';
import type { TransactionSetSchemas } from '../../x12/schema';
import { nestHierarchicalLoops } from '../../x12/hierarchy';
import { buildTa1 } from '../../x12/ta1';
import { validateTransactionSet } from '../../x12/validate';
import { buildAckInterchange, type PendingFunctionalAck } from './ack-interchange';
import { AckTracker, isAcknowledgmentSet } from './ack-matching';
import { ProcessingSummary } from './processing-summary';

const HOUR_MS = 3_600_000;

export interface X12Runtime {
  schemas: TransactionSetSchemas;
  maps: MapCatalog;
  /** Which map turns which transaction set into which canonical document, e.g. 850. */
  inboundMaps: ReadonlyMap<string, { map: string; kind: DocumentKind }>;
  /** The edi-maps folders it was loaded from, home first. */
  mapDirs: string[];
}

interface OpenInterchange {
  header: InterchangeHeader;
  partner: LoadedPartner | undefined;
  /** Why its content is not processed (unknown receiver, duplicate, bad ISA), if it is not. */
  skipReason?: { code: string; message: string; status: 'unroutable' | 'duplicate' | 'rejected' };
  acks: PendingFunctionalAck[];
}

interface OpenGroup {
  header: FunctionalGroupHeader;
  sets: Array<{
    setId: string;
    controlNumber: string;
    implementationRef?: string;
    segmentErrors: SegmentError[];
    setErrors: string[];
  }>;
}

/**
 * Interprets a stored X12 file: every interchange is checked (sender, receiver, duplicate,
 * envelope), every transaction set validated against its schema, every accepted set with a
 * map becomes a canonical document, and every interchange is answered with the TA1 and
 * 997/999 its partner asks for. Streams: one transaction set in memory at a time.
 */
export function createX12Interpreter(runtime: X12Runtime): Interpreter {
  return (context) => {
    const summary = new ProcessingSummary();
    const answers: OutboundAnswer[] = [];
    return {
      documents: interpretItems(
        readInterchanges(context.body.stream()),
        context,
        runtime,
        summary,
        answers,
      ),
      conclude: (): Conclusion => summary.conclusion(answers),
    };
  };
}

async function* interpretItems(
  items: AsyncIterable<EnvelopeItem>,
  context: InterpreterContext,
  runtime: X12Runtime,
  summary: ProcessingSummary,
  answers: OutboundAnswer[],
): AsyncGenerator<InterpretedDocument> {
  let interchange: OpenInterchange | undefined;
  let group: OpenGroup | undefined;
  let interchangeSeq = 0;
  const acks = new AckTracker(context.db, context.job.messageId);
  for await (const item of items) {
    switch (item.kind) {
      case 'interchange':
        interchange = await openInterchange(
          item.header,
          item.headerErrors,
          ++interchangeSeq,
          context,
        );
        summary.interchange(item.header, interchange.skipReason);
        break;
      case 'group':
        group = { header: item.header, sets: [] };
        summary.group(item.header);
        break;
      case 'transaction': {
        if (!interchange || interchange.skipReason || !group) break;
        const outcome = checkTransactionSet(item, runtime, interchange.header);
        group.sets.push(outcome.ack);
        const document =
          outcome.tree && outcome.accepted
            ? mapTransactionSet(item, outcome.tree, interchange.partner!, runtime, summary)
            : undefined;
        summary.transactionSet(
          item,
          outcome.accepted,
          outcome.ack.segmentErrors,
          outcome.ack.setErrors,
          document !== undefined,
        );
        // Outbound acknowledgment tracking: a partner's 997/999 settles the sets we sent it.
        if (isAcknowledgmentSet(item.setId)) {
          const tracked = await acks.track({
            partnerId: interchange.partner!.config.id,
            setId: item.setId,
            controlNumber: item.controlNumber,
            version: item.group.version,
            tree: outcome.tree,
            segmentErrors: outcome.ack.segmentErrors,
            setErrors: outcome.ack.setErrors,
          });
          summary.acknowledgmentTracked(item, tracked);
        }
        if (document) yield document;
        break;
      }
      case 'groupEnd':
        if (interchange && !interchange.skipReason && group) {
          const ack = pendingAck(interchange, group, item.errors, item.transactionCount);
          if (ack) interchange.acks.push(ack);
          summary.groupEnd(item.errors, group.sets);
        }
        group = undefined;
        break;
      case 'interchangeEnd':
        if (interchange) {
          const answer = await answerInterchange(interchange, item.errors, context);
          if (answer) answers.push(answer);
          summary.interchangeEnd(item.errors);
        }
        interchange = undefined;
        break;
      case 'error':
        summary.error(item.code, item.message, item.offset);
        break;
    }
  }
}

async function openInterchange(
  header: InterchangeHeader,
  headerErrors: Array<{ code: string; message: string }>,
  seq: number,
  context: InterpreterContext,
): Promise<OpenInterchange> {
  const partner = context.partners.bySenderInterchangeId(header.senderQualifier, header.senderId);
  const open: OpenInterchange = { header, partner, acks: [] };
  if (!partner || partner.config.id !== context.job.partnerId) {
    // Only the partner that authenticated may send in this file.
    open.skipReason = {
      code: '006',
      message: `interchange sender ${header.senderQualifier}/${header.senderId} is not the partner that sent the file`,
      status: 'unroutable',
    };
    open.partner = context.partner;
    return open;
  }
  const isForUs = partner.config.x12!.ourIds.some(
    (id) => id.qualifier === header.receiverQualifier && id.id === header.receiverId,
  );
  if (!isForUs) {
    open.skipReason = {
      code: '008',
      message: `interchange receiver ${header.receiverQualifier}/${header.receiverId} is not one of our ids for ${partner.config.id}`,
      status: 'unroutable',
    };
    return open;
  }
  if (headerErrors.length > 0) {
    open.skipReason = { ...headerErrors[0]!, status: 'rejected' };
    return open;
  }
  const duplicateOf = await recordInterchange(
    context.db,
    {
      messageId: context.job.messageId,
      seq,
      partnerId: partner.config.id,
      senderQualifier: header.senderQualifier,
      senderId: header.senderId,
      receiverQualifier: header.receiverQualifier,
      receiverId: header.receiverId,
      controlNumber: header.controlNumber,
    },
    (partner.config.x12!.duplicateWindowHours ?? 720) * HOUR_MS,
  );
  if (duplicateOf) {
    open.skipReason = {
      code: '025',
      message: `duplicate of interchange ${header.controlNumber} already received in ${duplicateOf}`,
      status: 'duplicate',
    };
  }
  return open;
}

function checkTransactionSet(
  item: TransactionSetItem,
  runtime: X12Runtime,
  header: InterchangeHeader,
) {
  const schema = runtime.schemas.get(item.group.version, item.setId);
  const st03 = item.segments[0]?.elements[2];
  const ack = {
    setId: item.setId,
    controlNumber: item.controlNumber,
    implementationRef: st03 || undefined,
    segmentErrors: [] as SegmentError[],
    setErrors: [...item.setErrors],
  };
  if (!schema) {
    ack.setErrors.unshift('1'); // AK501/IK501 code 1: transaction set not supported
    return { ack, accepted: false, tree: undefined };
  }
  if (item.overflow) return { ack, accepted: false, tree: undefined };
  const { segmentErrors, tree } = validateTransactionSet(item.segments, schema, header.delimiters);
  ack.segmentErrors = segmentErrors;
  return { ack, accepted: segmentErrors.length === 0 && ack.setErrors.length === 0, tree };
}

function mapTransactionSet(
  item: TransactionSetItem,
  tree: object,
  partner: LoadedPartner,
  runtime: X12Runtime,
  summary: ProcessingSummary,
): InterpretedDocument | undefined {
  const target = runtime.inboundMaps.get(item.setId);
  if (!target) return undefined;
  const map = runtime.maps.get(target.map, partner.config.id);
  if (!map) return undefined;
  try {
    // Maps read HL hierarchies nested (shipment → order → pack → item), as X12 means them.
    const data = map.run(nestHierarchicalLoops(tree as TransactionSetTree)) as object;
    const issues = validateDocument(target.kind, data);
    if (issues.length > 0) {
      summary.mappingProblem(
        item,
        `the mapped ${target.kind} does not match its schema: ${issues
          .slice(0, 5)
          .map((i) => `${i.pointer} ${i.message}`)
          .join('; ')}`,
      );
      return undefined;
    }
    const key = documentByKind(target.kind).businessKey(data) ?? null;
    return {
      kind: target.kind,
      data,
      subject: key,
      businessKey: key,
      partnerId: partner.config.id,
    };
  } catch (error) {
    if (!(error instanceof MapError)) throw error;
    summary.mappingProblem(item, error.message);
    return undefined;
  }
}

function pendingAck(
  interchange: OpenInterchange,
  group: OpenGroup,
  groupErrors: string[],
  receivedSetCount: number,
): PendingFunctionalAck | undefined {
  const preference = interchange.partner!.config.x12!.acks?.functional ?? 'by-version';
  const delimiters = interchange.header.delimiters;
  // X12: acknowledgments are never acknowledged, not even a 997 sent in a group other than FA.
  if (preference === 'none' || isAcknowledgmentGroup(group)) return undefined;
  const kind =
    preference === 'by-version'
      ? group.header.version.startsWith('005')
        ? '999'
        : '997'
      : preference;
  return {
    kind,
    group: group.header,
    build: (controlNumber) =>
      buildFunctionalAck({
        kind,
        group: group.header,
        controlNumber,
        delimiters,
        sets: group.sets,
        groupErrors,
        receivedSetCount,
      }),
  };
}

function isAcknowledgmentGroup(group: OpenGroup): boolean {
  return (
    group.header.functionalId === 'FA' ||
    (group.sets.length > 0 && group.sets.every((set) => isAcknowledgmentSet(set.setId)))
  );
}

async function answerInterchange(
  interchange: OpenInterchange,
  trailerErrors: Array<{ code: string; message: string }>,
  context: InterpreterContext,
): Promise<OutboundAnswer | undefined> {
  const partner = interchange.partner;
  if (!partner?.config.x12) return undefined;
  const policy = partner.config.x12.acks?.ta1 ?? 'requested';
  const problem = interchange.skipReason ?? trailerErrors[0];
  const wantsTa1 =
    policy === 'always' ||
    (policy === 'requested' && (interchange.header.ackRequested === '1' || problem !== undefined));
  const now = new Date();
  // A skipped interchange is rejected; a trailer error found after its content was processed
  // is noted (E), since its transaction sets were already acknowledged one by one.
  const acceptance = interchange.skipReason ? 'R' : problem ? 'E' : 'A';
  const ta1 = wantsTa1
    ? buildTa1(interchange.header, { code: problem?.code ?? '000', acceptance }, now)
    : undefined;
  if (!ta1 && interchange.acks.length === 0) return undefined;
  const raw = await buildAckInterchange({
    inbound: interchange.header,
    partner,
    ta1,
    acks: interchange.acks,
    store: context.store,
    now,
  });
  return {
    partnerId: partner.config.id,
    protocol: 'x12',
    documentKind: [ta1 ? 'TA1' : undefined, ...interchange.acks.map((a) => a.kind)]
      .filter(Boolean)
      .join('+'),
    contentType: 'application/edi-x12',
    raw: Buffer.from(raw, 'utf8'),
    businessKey: interchange.header.controlNumber,
  };
}
