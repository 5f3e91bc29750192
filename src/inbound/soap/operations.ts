/**
 * What a bound operation does with a call, as its service file says: find a document the caller
 * sent before (track), take a new canonical document through the durable intake (intake), and
 * make the reply (reply), each step through a map in mappings/. Every map sees one input:
 *
 *   { request, operation, partner, receivedAt, tracked }
 *
 * `request` is the request element's content as read against the WSDL (text kept exact);
 * `tracked` is where the document stands: {trackingId, businessKey, status, statusTime,
 * receivedAt, report} (report: the latest status document's data, when there is one).
 */
import { hash } from 'node:crypto';
import { documentByKind, validateDocument, type DocumentKind } from '../../canonical';
import type { GatewayConfig } from '../../config';
import { MapError, type MapCatalog } from '../../mapping';
import type { LoadedPartner } from '../../partners/registry';
import {
  IdempotencyKeyBusyError,
  IdempotencyKeyReusedError,
  type Intake,
  type IntakeReceipt,
} from '../../pipeline/intake';
import type { MessageStore } from '../../store/message-store';
import {
  findTrackedDocument,
  latestStatusReport,
  type TrackedDocument,
} from '../../store/tracked-documents';
import type { BoundOperation, IntakeSettings, SoapService, TrackSettings } from './services';

export interface SoapCall {
  service: SoapService;
  operation: BoundOperation;
  partner: LoadedPartner;
  request: Record<string, unknown>;
  raw: Buffer;
  contentType: string | null;
  receivedAt: Date;
  correlationId?: string;
}

export interface OperationDeps {
  intake: Intake;
  store: MessageStore;
  maps: MapCatalog;
  config: GatewayConfig;
}

/** Where a tracked document stands, as maps see it. */
export interface TrackedState {
  trackingId: string;
  businessKey: string | null;
  correlationId: string;
  status: string;
  statusTime: string;
  receivedAt: string;
  report?: Record<string, unknown>;
}

export type RefusalCode =
  'NotFound' | 'RefusedInState' | 'InProgress' | 'DuplicateBusinessKey' | 'InvalidRequest';

/**
 * The gateway refusing a call for a reason the caller can act on; it becomes a fault (Client,
 * or Server for InProgress, which a retry may cure) with the service's declared fault detail.
 */
export class SoapRefusal extends Error {
  override name = 'SoapRefusal';
  constructor(
    readonly code: RefusalCode,
    message: string,
    readonly trackingId?: string,
    /** Set when the request was stored as rejected, so the operator finds it. */
    readonly messageId?: string,
  ) {
    super(message);
  }

  get isSenderFault(): boolean {
    return this.code !== 'InProgress';
  }
}

/** A map of the service's own configuration failed: the gateway's fault, not the caller's. */
export class SoapMappingError extends Error {
  override name = 'SoapMappingError';
}

const REPORT_POLL_MS = 50;
const DEFAULT_REPLY_TIMEOUT_SECONDS = 10;

/** Runs the call; resolves to the reply's value, or undefined for a one-way operation. */
export async function runOperation(
  call: SoapCall,
  deps: OperationDeps,
): Promise<Record<string, unknown> | undefined> {
  const { operation } = call;
  const input: MapInput = {
    request: call.request,
    operation: operation.contract.name,
    partner: call.partner.config.id,
    receivedAt: call.receivedAt.toISOString(),
  };
  if (operation.track) {
    input.tracked = await trackDocument(operation.track, input, call.partner, deps, {
      refuse: true,
    });
  }
  if (operation.intake) {
    const taken = await takeDocument(call, input, deps);
    // A call that tracks an earlier document replies about that one (a cancel names the transfer).
    if (!input.tracked) {
      input.tracked = await stateAfterIntake(taken.receipt, taken.businessKey, call, deps);
    }
    if (operation.reply?.mode === 'request-reply') {
      input.tracked = await awaitReport(input.tracked, call, deps);
    }
  }
  if (!operation.reply) return undefined;
  return runMap(operation.reply.map, input, deps.maps, call.partner, 'reply') as Record<
    string,
    unknown
  >;
}

export interface MapInput {
  request: Record<string, unknown>;
  operation: string;
  partner: string;
  receivedAt: string;
  tracked?: TrackedState;
}

/**
 * Finds the document a call is about and where it stands; with `refuse`, a state the service
 * file refuses the operation in is a refusal (the worker, re-reading a stored call, does not
 * refuse again what was taken).
 */
export async function trackDocument(
  settings: TrackSettings,
  input: MapInput,
  partner: LoadedPartner,
  deps: Pick<OperationDeps, 'store' | 'maps'>,
  options: { refuse: boolean },
): Promise<TrackedState> {
  const lookup = runMap(settings.map, input, deps.maps, partner, 'request') as {
    trackingId?: unknown;
    businessKey?: unknown;
  };
  const trackingId = typeof lookup?.trackingId === 'string' ? lookup.trackingId : undefined;
  const businessKey = typeof lookup?.businessKey === 'string' ? lookup.businessKey : undefined;
  if (trackingId === undefined && businessKey === undefined) {
    throw new SoapRefusal('InvalidRequest', `the request names no ${settings.document}`);
  }
  const document = await findTrackedDocument(deps.store.db, {
    partnerId: partner.config.id,
    documentKind: settings.document,
    trackingId,
    businessKey,
  });
  const named = trackingId ?? businessKey;
  if (!document) {
    throw new SoapRefusal('NotFound', `no ${settings.document} ${named} was received from you`);
  }
  const state = await stateOf(document, settings.reportedBy, partner, deps);
  if (options.refuse && settings.refuseWhen?.includes(state.status)) {
    throw new SoapRefusal(
      'RefusedInState',
      `${settings.document} ${document.trackingId} is ${state.status}: ${input.operation} is refused once it is`,
      document.trackingId,
    );
  }
  return state;
}

async function stateOf(
  document: TrackedDocument,
  reportedBy: DocumentKind | undefined,
  partner: LoadedPartner,
  deps: Pick<OperationDeps, 'store'>,
): Promise<TrackedState> {
  const report = reportedBy
    ? await latestStatusReport(deps.store.db, {
        eventType: documentByKind(reportedBy).eventType,
        partnerId: partner.config.id,
        document,
      })
    : undefined;
  const reported = report?.data;
  return {
    trackingId: document.trackingId,
    businessKey: document.businessKey,
    correlationId: document.correlationId,
    // Until someone reports on it, a document the gateway took stands as received (or rejected,
    // when the gateway itself could not process it).
    status:
      typeof reported?.status === 'string'
        ? reported.status
        : document.status === 'rejected'
          ? 'rejected'
          : 'received',
    statusTime:
      typeof reported?.statusTime === 'string' ? reported.statusTime : document.receivedAt,
    receivedAt: document.receivedAt,
    ...(reported ? { report: reported } : {}),
  };
}

async function takeDocument(
  call: SoapCall,
  input: MapInput,
  deps: OperationDeps,
): Promise<{ receipt: IntakeReceipt; businessKey: string | null }> {
  const settings = call.operation.intake!;
  const { document, businessKey } = mapIntakeDocument(settings, input, call.partner, deps.maps);
  const claim =
    settings.uniqueBusinessKey !== false && businessKey !== null
      ? {
          partnerId: call.partner.config.id,
          key: `soap:${call.service.name}:${call.operation.contract.name}:${businessKey}`,
          requestHash: hash('sha256', JSON.stringify(document), 'hex'),
          ttlHours: deps.config.idempotencyTtlHours,
        }
      : undefined;
  try {
    const receipt = await deps.intake.accept({
      protocol: 'soap',
      partnerId: call.partner.config.id,
      documentKind: settings.document,
      contentType: call.contentType,
      raw: call.raw,
      businessKey,
      correlationId: input.tracked?.correlationId ?? call.correlationId,
      idempotency: claim,
    });
    return { receipt, businessKey };
  } catch (error) {
    if (error instanceof IdempotencyKeyReusedError) {
      throw new SoapRefusal(
        'DuplicateBusinessKey',
        `${businessKey} was already used for a different ${settings.document}`,
        error.messageId,
      );
    }
    if (error instanceof IdempotencyKeyBusyError) {
      throw new SoapRefusal('InProgress', `a call for ${businessKey} is still being taken; retry`);
    }
    throw error;
  }
}

/** The canonical document a call gives, checked against its schema. */
export function mapIntakeDocument(
  settings: IntakeSettings,
  input: MapInput,
  partner: LoadedPartner,
  maps: MapCatalog,
): { document: object; businessKey: string | null } {
  const document = runMap(settings.map, input, maps, partner, 'request');
  const issues = validateDocument(settings.document, document);
  if (issues.length > 0) {
    const listed = issues.map((issue) => `${issue.pointer || '/'} ${issue.message}`).join('; ');
    throw new SoapRefusal(
      'InvalidRequest',
      `the request does not make a valid ${settings.document}: ${listed}`,
    );
  }
  const businessKey = documentByKind(settings.document).businessKey(document as never) ?? null;
  return { document: document as object, businessKey };
}

async function stateAfterIntake(
  receipt: IntakeReceipt,
  businessKey: string | null,
  call: SoapCall,
  deps: OperationDeps,
): Promise<TrackedState> {
  if (receipt.replayed) {
    // The same call again: answer about the first one, as it stands now.
    const first = await findTrackedDocument(deps.store.db, {
      partnerId: call.partner.config.id,
      documentKind: call.operation.intake!.document,
      trackingId: receipt.messageId,
    });
    if (first) return stateOf(first, call.operation.reply?.reportedBy, call.partner, deps);
  }
  const receivedAt = call.receivedAt.toISOString();
  return {
    trackingId: receipt.messageId,
    businessKey,
    correlationId: receipt.correlationId,
    status: 'received',
    statusTime: receivedAt,
    receivedAt,
  };
}

/** request-reply: the first report on the document taken, or a refusal saying it is pending. */
async function awaitReport(
  taken: TrackedState,
  call: SoapCall,
  deps: OperationDeps,
): Promise<TrackedState> {
  const reply = call.operation.reply!;
  const deadline = Date.now() + (reply.timeoutSeconds ?? DEFAULT_REPLY_TIMEOUT_SECONDS) * 1000;
  const document: TrackedDocument = {
    trackingId: taken.trackingId,
    businessKey: taken.businessKey,
    correlationId: taken.correlationId,
    status: 'received',
    receivedAt: taken.receivedAt,
  };
  for (;;) {
    const state = await stateOf(document, reply.reportedBy, call.partner, deps);
    if (state.report) return state;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, REPORT_POLL_MS));
  }
  throw new SoapRefusal(
    'InProgress',
    `${call.operation.intake!.document} ${taken.trackingId} is taken and still in progress; ask for its status later`,
    taken.trackingId,
  );
}

/**
 * Runs one of the service's maps. A request map that cannot map the call is the caller's
 * problem (its reason is returned); a reply map failing is the gateway's.
 */
export function runMap(
  name: string,
  input: unknown,
  maps: MapCatalog,
  partner: LoadedPartner,
  side: 'request' | 'reply',
): unknown {
  const map = maps.get(name, partner.config.id);
  if (!map) throw new SoapMappingError(`there is no map named "${name}"`);
  try {
    return map.run(input);
  } catch (error) {
    if (!(error instanceof MapError)) throw error;
    const located = error.message.startsWith(`${error.file}: `)
      ? error.message.slice(error.file.length + 2)
      : error.message;
    if (side === 'request') throw new SoapRefusal('InvalidRequest', `map ${name}: ${located}`);
    throw new SoapMappingError(`map ${name}: ${located}`, { cause: error });
  }
}
