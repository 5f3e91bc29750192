import type { Request, Response, Router } from 'express';
import { Problem } from '../../http/problem';
import {
  BodyAbortedError,
  BodyTooLargeError,
  receiveStream,
  type StreamedIntakeRequest,
} from '../../pipeline/streamed-intake';
import { detectDelimiters } from '../../x12/delimiters';
import type { InboundContext } from '../adapter';
import { authenticateX12Sender } from './auth';
import { EnvelopeSummary } from './envelope-summary';
import { readIsaIdentities } from './isa-identities';
import { PeekableBody } from './peekable-body';
import { waitForAcks } from './sync-acks';

const X12_MEDIA_TYPES = [
  'application/edi-x12',
  'application/edi',
  'text/plain',
  'application/octet-stream',
];
/** Enough for a BOM, some leading whitespace and a malformed (wider) ISA. */
const HEAD_BYTES = 4096;

/**
 * `POST /edi/x12`: a partner posts one or more interchanges. The ISA names the sender, whose
 * partner file says how it authenticates; the body then streams into the store and the
 * answer (202 with a summary, or 200 with the acks themselves) goes out only once it is there.
 */
export function mountX12Http(router: Router, context: InboundContext): void {
  router.post('/edi/x12', async (req: Request, res: Response) => {
    if (req.is(X12_MEDIA_TYPES) === false) {
      throw new Problem(
        415,
        'unsupported-media-type',
        `Send X12 as one of ${X12_MEDIA_TYPES.join(', ')}.`,
      );
    }
    const body = new PeekableBody(req);
    const head = await body.peek(HEAD_BYTES);
    const store = {
      store: context.store,
      ingestQueue: context.ingestQueue,
      logger: context.logger,
    };
    const intake = (
      request: Omit<StreamedIntakeRequest, 'protocol' | 'body' | 'maxBytes' | 'contentType'> & {
        maxBytes?: number;
      },
    ) =>
      receiveStream(
        {
          protocol: 'x12',
          body: body.all(),
          contentType: req.get('content-type') ?? null,
          maxBytes: context.config.maxX12Bytes,
          ...request,
        },
        store,
      ).catch((error: unknown) => {
        throw asProblem(error);
      });

    const detection = detectDelimiters(head);
    if (!detection.ok) {
      const { messageId } = await intake({
        partnerId: null,
        status: 'rejected',
        error: { ta1Code: detection.code, reason: detection.message },
      });
      throw new Problem(
        400,
        'x12-unreadable',
        `This is not an X12 interchange: ${detection.message}.`,
        { ta1Code: detection.code, messageId },
      );
    }
    const ids = readIsaIdentities(head, detection);
    const partner = context.partners.bySenderInterchangeId(ids.senderQualifier, ids.senderId);
    if (!partner) {
      const { messageId } = await intake({
        partnerId: null,
        status: 'unroutable',
        error: { reason: `unknown interchange sender ${ids.senderQualifier}/${ids.senderId}` },
      });
      throw new Problem(
        403,
        'unknown-partner',
        `No partner sends X12 as ${ids.senderQualifier}/${ids.senderId} (ISA05/ISA06). The file is kept as ${messageId}.`,
        { ta1Code: '006', messageId },
      );
    }
    authenticateX12Sender(req, partner);

    const summary = new EnvelopeSummary();
    const wantsSync =
      req.query.ack === 'sync' ||
      (req.query.ack !== 'async' && partner.config.x12?.acks?.mode === 'sync');
    const receipt = await intake({
      partnerId: partner.config.id,
      status: 'received',
      observe: (chunk) => summary.push(chunk),
      maxBytes: partner.config.x12?.maxBytes ?? context.config.maxX12Bytes,
      acksInAnswer: wantsSync,
    });
    const location = `/api/v1/messages/${receipt.messageId}`;
    if (wantsSync) {
      const acks = await waitForAcks(
        context.store,
        receipt.messageId,
        context.config.syncAckTimeoutMs,
      );
      if (acks) {
        res
          .status(200)
          .location(location)
          .set('x-message-id', receipt.messageId)
          .type('application/edi-x12')
          .send(acks);
        return;
      }
    }
    res
      .status(202)
      .location(location)
      .set('x-correlation-id', receipt.correlationId)
      .json({
        messageId: receipt.messageId,
        correlationId: receipt.correlationId,
        status: 'accepted',
        location,
        sizeBytes: receipt.sizeBytes,
        ...(wantsSync
          ? {
              note: 'processing took longer than the sync-ack wait; the acks will be on the message',
            }
          : {}),
        ...summary.result(),
      });
  });
}

function asProblem(error: unknown): unknown {
  if (error instanceof BodyTooLargeError) {
    return new Problem(
      413,
      'payload-too-large',
      `The X12 body exceeds the limit of ${error.limit} bytes; what arrived is kept as ${error.messageId}.`,
      { messageId: error.messageId },
    );
  }
  if (error instanceof BodyAbortedError) {
    return new Problem(
      400,
      'body-incomplete',
      `The body broke off before it ended; what arrived is kept as ${error.messageId}.`,
      { messageId: error.messageId },
    );
  }
  return error;
}
