import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../log';
import { IntakeUnavailableError } from '../pipeline/intake';
import { Problem, sendProblem } from './problem';

/**
 * The express app every role serves. Adapters and APIs mount onto the router; whatever they
 * throw becomes a problem+json answer, and no error escapes to crash the process.
 */
export function createHttpApp(
  logger: Logger,
  mount: (router: express.Router) => void,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const router = express.Router();
  mount(router);
  app.use(router);

  app.use((req: Request, res: Response) => {
    sendProblem(
      res,
      new Problem(404, 'not-found', `No route for ${req.method} ${req.path}.`),
      req.originalUrl,
    );
  });

  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    sendProblem(res, toProblem(error, logger, req), req.originalUrl);
  });
  return app;
}

function toProblem(error: unknown, logger: Logger, req: Request): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof IntakeUnavailableError) {
    return new Problem(
      503,
      'service-unavailable',
      `The gateway could not store the message durably (${error.dependency}); nothing was accepted, please retry.`,
    );
  }
  const httpError = error as { type?: string; status?: number; limit?: number; message?: string };
  // body-parser's errors carry a `type`; they are the sender's mistakes, not ours.
  if (httpError.type === 'entity.too.large') {
    return new Problem(
      413,
      'payload-too-large',
      `The request body exceeds the limit of ${httpError.limit} bytes.`,
    );
  }
  if (httpError.type === 'request.aborted') {
    return new Problem(400, 'invalid-json', 'The request body was cut off before it ended.');
  }
  if (httpError.type === 'encoding.unsupported' || httpError.type === 'charset.unsupported') {
    return new Problem(415, 'unsupported-media-type', httpError.message ?? 'Unsupported encoding.');
  }
  if (typeof httpError.status === 'number' && httpError.status >= 400 && httpError.status < 500) {
    return new Problem(httpError.status, 'invalid-json', httpError.message ?? 'Bad request.');
  }
  logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error in request');
  return new Problem(
    500,
    'internal-error',
    'The gateway failed to handle the request; it has been logged.',
  );
}
