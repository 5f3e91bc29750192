import { documentByEventType, type CanonicalEvent } from '../../canonical';
import type { LoadedPartner } from '../../partners/registry';
import { ControlNumbersExhaustedError } from '../../store/control-numbers';
import type { MessageStore } from '../../store/message-store';
import {
  findOutboundSet,
  markInterchangeSent,
  storeBuiltInterchange,
} from '../../store/x12-outbound';
import { DeliveryError, type OutboundAdapter, type SendContext, type SendResult } from '../adapter';
import { buildTransactionSet, UnsendableDocumentError, type X12OutboundRuntime } from './build-set';
import { assembleInterchange, readEnvelopeNumbers } from './interchange';
import { x12OutboundSettings, type X12OutboundSettings } from './settings';
import type { X12Transport } from './transport';
import { queueForBatch, type X12Batcher } from './batching';

export interface X12OutboundDeps {
  store: MessageStore;
  runtime: X12OutboundRuntime;
  transports: ReadonlyMap<string, X12Transport>;
  /** CROSSDOCK_VAR_DIR, for relative file-drop directories. */
  varDir: string;
  batcher?: X12Batcher;
}

/**
 * One adapter per X12 channel (x12-http, x12-file, x12-sftp): the same building of the
 * interchange, a different transport. A document becomes a transaction set through the
 * partner's map, is validated, numbered, stored as an outbound message and then sent; a retry
 * sends the stored bytes again under the same control numbers.
 */
export function createX12OutboundAdapters(deps: X12OutboundDeps): OutboundAdapter[] {
  return [...deps.transports.values()].map((transport) => ({
    name: transport.channel,
    send: (event, partner, context) => sendDocument(event, partner, context, transport, deps),
    sendMessage: (messageId, partner, context) =>
      sendStored(messageId, partner, context, transport, deps, null),
    close: transport.close?.bind(transport),
  }));
}

async function sendDocument(
  event: CanonicalEvent,
  partner: LoadedPartner,
  context: SendContext,
  transport: X12Transport,
  deps: X12OutboundDeps,
): Promise<SendResult> {
  const settings = settingsOf(partner);
  const existing = await findOutboundSet(deps.store.db, context.deliveryId);
  if (existing?.messageId) {
    return sendStored(existing.messageId, partner, context, transport, deps, settings);
  }
  const descriptor = documentByEventType(event.type);
  if (!descriptor) throw new DeliveryError(`event type ${event.type} is not a document`, false);
  let built;
  try {
    built = buildTransactionSet(
      { kind: descriptor.kind, data: event.data },
      partner.config.id,
      settings,
      deps.runtime,
    );
  } catch (error) {
    if (error instanceof UnsendableDocumentError) {
      throw new DeliveryError(
        `not sent, the ${descriptor.kind} cannot be written as X12: ${error.message}`,
        false,
      );
    }
    throw error;
  }
  const set = {
    deliveryId: context.deliveryId,
    partnerId: partner.config.id,
    eventId: event.id,
    transactionSet: built.setId,
    functionalId: built.functionalId,
    version: settings.version,
    businessKey: descriptor.businessKey(event.data) ?? null,
    correlationId: event.correlationid,
  };
  if (settings.batching.mode === 'group') {
    if (!deps.batcher) throw new Error('group batching needs the X12 batcher');
    await queueForBatch(deps.store.db, set, built, event.messageid);
    await deps.batcher.nudge(partner.config.id);
    // The set now travels in a batch interchange with a delivery of its own.
    return { statusCode: null, deferred: true };
  }
  const numbers = await deps.store
    .allocateInterchangeNumbers(partner.config.id, { groups: 1, sets: 1 })
    .catch((error: unknown) => {
      // Retrying cannot help: a dead letter tells the operator why nothing is sent.
      if (error instanceof ControlNumbersExhaustedError)
        throw new DeliveryError(error.message, false);
      throw error;
    });
  const [gs06, st02] = [numbers.gs06[0]!, numbers.st02[0]!];
  const raw = assembleInterchange([{ ...built, gs06, st02 }], settings, numbers.isa13, new Date());
  const messageId = `x12_${context.deliveryId.replace(/^dlv_/, '')}`;
  await deps.store.db.transaction((tx) =>
    storeBuiltInterchange(tx, {
      messageId,
      partnerId: partner.config.id,
      raw,
      correlationId: event.correlationid,
      businessKey: set.businessKey,
      documentKind: built.setId,
      answersMessageId: event.messageid,
      isa13: numbers.isa13,
      sets: [{ ...set, gs06, st02 }],
    }),
  );
  return sendStored(messageId, partner, context, transport, deps, settings);
}

/** Sends a stored interchange (built here, or an ack the inbound side built) as it is. */
async function sendStored(
  messageId: string,
  partner: LoadedPartner,
  context: SendContext,
  transport: X12Transport,
  deps: X12OutboundDeps,
  settings: X12OutboundSettings | null,
): Promise<SendResult> {
  const raw = await deps.store.loadRaw(messageId);
  if (!raw) throw new Error(`outbound message ${messageId} is missing from the store`);
  const envelope = readEnvelopeNumbers(raw);
  const result = await transport.send(
    {
      bytes: raw,
      messageId,
      partnerId: partner.config.id,
      isa13: envelope.isa13,
      gs06: envelope.gs06,
      setId: envelope.setId,
      createdAt: new Date(),
    },
    partner,
    { deliveryId: context.deliveryId, attempt: context.attempt, varDir: deps.varDir },
  );
  const ackWindowMs = (settings ?? settingsOf(partner)).ackWindowMs;
  await markInterchangeSent(deps.store.db, messageId, ackWindowMs, result, context.deliveryId);
  return { statusCode: result.statusCode };
}

function settingsOf(partner: LoadedPartner): X12OutboundSettings {
  if (!partner.config.x12) {
    throw new DeliveryError(
      `partner ${partner.config.id} has an X12 channel but no x12 section in ${partner.file}`,
      false,
    );
  }
  return x12OutboundSettings(partner);
}
