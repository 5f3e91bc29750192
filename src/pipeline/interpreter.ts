import type { DocumentKind } from '../canonical';
import type { LoadedPartner } from '../partners/registry';
import type { IngestJob } from './queues';

/** One business document found in a message, ready to become a canonical event. */
export interface InterpretedDocument {
  kind: DocumentKind;
  data: object;
  subject: string | null;
  businessKey: string | null;
}

export type Interpretation =
  | { outcome: 'accepted'; documents: InterpretedDocument[] }
  | { outcome: 'rejected'; reason: string; details?: unknown };

/**
 * Turns a stored message of one protocol into canonical documents. Each inbound adapter
 * provides one for its protocol; the process worker picks it by the message's protocol.
 */
export type Interpreter = (input: {
  raw: Buffer;
  job: IngestJob;
  partner: LoadedPartner | undefined;
}) => Interpretation | Promise<Interpretation>;
