/**
 * The canonical event: a CloudEvents 1.0 envelope (structured JSON mode) around one business
 * document. The envelope's shape is generated from cloudevent.schema.json.
 */
import { documentByKind, type DocumentKind } from './documents';
import type { CloudEvent } from './types.generated';

/** A canonical event whose `data` is a `T`, e.g. `CanonicalEvent<PurchaseOrder>`. */
export type CanonicalEvent<T = unknown> = Omit<CloudEvent, 'data'> & { data: T };

export interface NewEventInput<T extends object = object> {
  id: string;
  source: string;
  kind: DocumentKind;
  /** Defaults to the document's business key (PO number, invoice number...). */
  subject?: string;
  /** RFC 3339; defaults to now. */
  time?: string;
  data: T;
  partnerId: string;
  /** The partner the document is addressed to, when the sender named or implied one. */
  recipientId?: string;
  messageId: string;
  correlationId: string;
}

/** Wraps a document in its envelope; type and dataschema come from the document kind. */
export function createEvent<T extends object>(input: NewEventInput<T>): CanonicalEvent<T> {
  const descriptor = documentByKind(input.kind);
  const subject = input.subject ?? descriptor.businessKey(input.data);
  return {
    specversion: '1.0',
    id: input.id,
    source: input.source,
    type: descriptor.eventType,
    ...(subject === undefined ? {} : { subject }),
    time: input.time ?? new Date().toISOString(),
    datacontenttype: 'application/json',
    dataschema: descriptor.schemaId,
    data: input.data,
    partnerid: input.partnerId,
    ...(input.recipientId === undefined ? {} : { recipientid: input.recipientId }),
    messageid: input.messageId,
    correlationid: input.correlationId,
  };
}
