import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { authenticatePartner } from '../../http/api-keys';
import { Problem } from '../../http/problem';
import type { InboundContext } from '../adapter';
import { descriptorForResource, parseCanonicalDocument } from './parse';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** `POST /api/v1/<resource>`: an internal app or partner posts a canonical document as JSON. */
export function mountRestIntake(router: Router, context: InboundContext): void {
  const readBody = express.raw({ type: () => true, limit: context.config.maxBodyBytes });

  router.post(
    '/api/v1/:resource',
    // Resource, credentials and media type are checked before a byte of the body is read.
    (req: Request, res: Response, next: NextFunction) => {
      const descriptor = descriptorForResource(String(req.params.resource));
      const grant = authenticatePartner(req, context.partners, `${descriptor.resource}:write`);
      // req.is is null for a bodiless request: that one gets the clearer 'empty body' answer.
      if (req.is(['application/json', 'application/*+json']) === false) {
        throw new Problem(415, 'unsupported-media-type', 'Send the document as application/json.');
      }
      res.locals.descriptor = descriptor;
      res.locals.grant = grant;
      next();
    },
    readBody,
    async (req: Request, res: Response) => {
      const { descriptor, grant } = res.locals as {
        descriptor: ReturnType<typeof descriptorForResource>;
        grant: ReturnType<typeof authenticatePartner>;
      };
      const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const document = parseCanonicalDocument(descriptor, raw);
      const offeredCorrelation = req.get('x-correlation-id');
      // An IntakeUnavailableError becomes a 503 in the app's error handler.
      const receipt = await context.intake.accept({
        protocol: 'rest',
        partnerId: grant.partner.config.id,
        documentKind: descriptor.kind,
        contentType: req.get('content-type') ?? null,
        raw,
        businessKey: descriptor.businessKey(document) ?? null,
        correlationId:
          offeredCorrelation && CORRELATION_ID.test(offeredCorrelation)
            ? offeredCorrelation
            : undefined,
      });
      const location = `/api/v1/messages/${receipt.messageId}`;
      res.status(202).location(location).set('x-correlation-id', receipt.correlationId).json({
        messageId: receipt.messageId,
        correlationId: receipt.correlationId,
        status: 'accepted',
        location,
      });
    },
  );
}
