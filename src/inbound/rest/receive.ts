import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { authenticatePartner } from '../../http/api-keys';
import { Problem } from '../../http/problem';
import {
  IdempotencyKeyBusyError,
  IdempotencyKeyReusedError,
  type IdempotencyClaim,
  type IntakeReceipt,
} from '../../pipeline/intake';
import type { InboundContext } from '../adapter';
import { resolveAddressing } from './addressing';
import { readIdempotencyKey, requestFingerprint } from './idempotency-key';
import { descriptorForResource, parseCanonicalDocument } from './parse';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface Locals {
  descriptor: ReturnType<typeof descriptorForResource>;
  grant: ReturnType<typeof authenticatePartner>;
  idempotencyKey: string | undefined;
}

/**
 * `POST /api/v1/<resource>`: an internal app or partner posts a canonical document as JSON.
 * `Idempotency-Key` makes a retry safe: the same key and request get the first answer again.
 * `X-Crossdock-Partner` addresses the document to a trading partner; acknowledgments,
 * invoices and ship notices without it are addressed by their buyer or the PO they answer.
 */
export function mountRestIntake(router: Router, context: InboundContext): void {
  const readBody = express.raw({ type: () => true, limit: context.config.maxBodyBytes });

  router.post(
    '/api/v1/:resource',
    // Resource, credentials, media type and headers are checked before a byte of the body is read.
    (req: Request, res: Response, next: NextFunction) => {
      const descriptor = descriptorForResource(String(req.params.resource));
      const grant = authenticatePartner(req, context.partners, `${descriptor.resource}:write`);
      // req.is is null for a bodiless request: that one gets the clearer 'empty body' answer.
      if (req.is(['application/json', 'application/*+json']) === false) {
        throw new Problem(415, 'unsupported-media-type', 'Send the document as application/json.');
      }
      const locals: Locals = {
        descriptor,
        grant,
        idempotencyKey: readIdempotencyKey(req.get('idempotency-key')),
      };
      Object.assign(res.locals, locals);
      next();
    },
    readBody,
    async (req: Request, res: Response) => {
      const { descriptor, grant, idempotencyKey } = res.locals as Locals;
      const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const recipientHeader = req.get('x-crossdock-partner');
      const claim: IdempotencyClaim | undefined =
        idempotencyKey === undefined
          ? undefined
          : {
              partnerId: grant.partner.config.id,
              key: idempotencyKey,
              requestHash: requestFingerprint({
                resource: descriptor.resource,
                recipientHeader,
                body: raw,
              }),
              ttlHours: context.config.idempotencyTtlHours,
            };
      // A repeat gets the first answer as it was, whatever has changed since (partners, POs).
      const earlier = claim && (await withIdempotencyProblems(context.intake.receiptOf(claim)));
      if (earlier) return sendReceipt(res, earlier);

      const document = parseCanonicalDocument(descriptor, raw);
      const offered = req.get('x-correlation-id');
      const offeredCorrelation = offered && CORRELATION_ID.test(offered) ? offered : undefined;
      const addressing = await resolveAddressing({
        kind: descriptor.kind,
        document,
        recipientHeader,
        wantsPurchaseOrder: offeredCorrelation === undefined,
        partners: context.partners,
        store: context.store,
      });
      // An IntakeUnavailableError becomes a 503 in the app's error handler.
      const receipt = await withIdempotencyProblems(
        context.intake.accept({
          protocol: 'rest',
          partnerId: grant.partner.config.id,
          documentKind: descriptor.kind,
          contentType: req.get('content-type') ?? null,
          raw,
          businessKey: descriptor.businessKey(document) ?? null,
          // An answer to a PO joins the PO's exchange: 850, 997, 855, 856, 810 share one id.
          correlationId: offeredCorrelation ?? addressing.answered?.correlationId,
          recipientId: addressing.recipientId,
          idempotency: claim,
        }),
      );
      sendReceipt(res, receipt);
    },
  );
}

function sendReceipt(res: Response, receipt: IntakeReceipt): void {
  const location = `/api/v1/messages/${receipt.messageId}`;
  if (receipt.replayed) res.set('idempotent-replayed', 'true');
  res
    .status(202)
    .location(location)
    .set('x-correlation-id', receipt.correlationId)
    .json({
      messageId: receipt.messageId,
      correlationId: receipt.correlationId,
      ...(receipt.recipientId ? { recipientId: receipt.recipientId } : {}),
      status: 'accepted',
      location,
    });
}

async function withIdempotencyProblems<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    if (error instanceof IdempotencyKeyReusedError) {
      throw new Problem(
        422,
        'idempotency-key-reused',
        `The Idempotency-Key "${error.key}" was first used for a different request (message ${error.messageId}); send a new key with a new request.`,
        { messageId: error.messageId },
      );
    }
    if (error instanceof IdempotencyKeyBusyError) {
      throw new Problem(
        409,
        'conflict',
        `A request with the Idempotency-Key "${error.key}" is still in progress; retry shortly.`,
      );
    }
    throw error;
  }
}
