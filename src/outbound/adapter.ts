import type { CanonicalEvent } from '../canonical';
import type { LoadedPartner } from '../partners/registry';

export interface SendContext {
  deliveryId: string;
  attempt: number;
}

export interface SendResult {
  statusCode: number | null;
  /**
   * The document was accepted for a later send (an X12 batch) rather than sent: the delivery
   * stays pending until the message that carries it is delivered.
   */
  deferred?: boolean;
}

/**
 * A failed send, classified: a retryable failure is tried again after a backoff, a permanent
 * one goes straight to the dead letters with its reason.
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly statusCode: number | null = null,
    /** The receiver's Retry-After, in milliseconds, when it sent one. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Turns a canonical event into a message sent over one protocol to one partner. */
export interface OutboundAdapter {
  name: string;
  send(event: CanonicalEvent, partner: LoadedPartner, context: SendContext): Promise<SendResult>;
  /** Sends a message already stored as it is (an X12 ack or batch interchange the gateway built). */
  sendMessage?(
    messageId: string,
    partner: LoadedPartner,
    context: SendContext,
  ): Promise<SendResult>;
  close?(): Promise<void>;
}
