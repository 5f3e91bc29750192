import type { DocumentKind } from '../canonical';
import type { LoadedPartner, PartnerRegistry } from '../partners/registry';
import type { Database } from '../store/database';
import type { MessageStatus, MessageStore } from '../store/message-store';
import type { IngestJob } from './queues';

/** One business document found in a message, ready to become a canonical event. */
export interface InterpretedDocument {
  kind: DocumentKind;
  data: object;
  subject: string | null;
  businessKey: string | null;
  /** The partner the document came from, when the message's own partner is not it. */
  partnerId?: string;
  /** The partner the document is addressed to; routing sends it there whatever it subscribes. */
  recipientId?: string;
}

/** A message the gateway sends back because of this one: a TA1, a 997 or a 999. */
export interface OutboundAnswer {
  partnerId: string;
  protocol: string;
  documentKind: string;
  contentType: string;
  raw: Buffer;
  businessKey: string | null;
}

export interface Conclusion {
  status: Extract<MessageStatus, 'processed' | 'rejected' | 'unroutable'>;
  /** What the message held and what became of each part, for the operator and sync answers. */
  summary?: unknown;
  /** Why the whole message was refused, when it was. */
  reason?: string;
  answers?: OutboundAnswer[];
}

/**
 * What a message turned into. `documents` may be a lazy stream (a 1 GB X12 file holds
 * hundreds of thousands of orders); `conclude` is called once they have all been consumed.
 */
export interface Interpretation {
  documents: Iterable<InterpretedDocument> | AsyncIterable<InterpretedDocument>;
  conclude(): Conclusion | Promise<Conclusion>;
}

export interface MessageBody {
  /** The whole body; for protocols whose messages are small. */
  bytes(): Promise<Buffer>;
  /** The body piece by piece, with bounded memory at any size. */
  stream(): AsyncIterable<Buffer>;
}

export interface InterpreterContext {
  body: MessageBody;
  job: IngestJob;
  partner: LoadedPartner | undefined;
  partners: PartnerRegistry;
  store: MessageStore;
  db: Database;
}

/**
 * Turns a stored message of one protocol into canonical documents and answers. Each inbound
 * adapter provides one for its protocol; the process worker picks it by the message's protocol.
 */
export type Interpreter = (context: InterpreterContext) => Interpretation | Promise<Interpretation>;

/** The interpretation of a message refused as a whole. */
export function refusal(reason: string, summary?: unknown): Interpretation {
  return { documents: [], conclude: () => ({ status: 'rejected', reason, summary }) };
}
