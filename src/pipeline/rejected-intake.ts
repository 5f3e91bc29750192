import { createHash } from 'node:crypto';
import type { Logger } from '../log';
import type { MessageStore } from '../store/message-store';
import { newCorrelationId, newMessageId } from '../store/ids';
import { IntakeUnavailableError } from './intake';

export interface RejectedRequest {
  protocol: string;
  partnerId: string | null;
  contentType: string | null;
  raw: Buffer;
  reason: string;
}

/**
 * Keeps a request refused at the door (an unmappable webhook, a SOAP body that breaks its WSDL)
 * where the operator sees it, with the reason; nothing is queued. Returns its message id, which
 * the refusal names so the sender's support can find it.
 */
export async function recordRejectedRequest(
  store: MessageStore,
  logger: Logger,
  request: RejectedRequest,
): Promise<string> {
  const id = newMessageId();
  try {
    await store.insertMessages(
      [
        {
          id,
          direction: 'inbound',
          protocol: request.protocol,
          partnerId: request.partnerId,
          documentKind: null,
          contentType: request.contentType,
          raw: request.raw,
          sha256: createHash('sha256').update(request.raw).digest('hex'),
          correlationId: newCorrelationId(),
          businessKey: null,
        },
      ],
      'rejected',
    );
    await store.setMessageStatus([id], 'rejected', { reason: request.reason });
  } catch (error) {
    throw new IntakeUnavailableError('store', { cause: error });
  }
  logger.warn(
    {
      messageId: id,
      partnerId: request.partnerId,
      protocol: request.protocol,
      reason: request.reason,
    },
    'request rejected',
  );
  return id;
}
