import type { Response } from 'express';

/** Every REST and webhook error is an RFC 9457 problem with one `type` URI per kind. */
export const PROBLEM_BASE = 'https://crossdock.dev/problems/';

export type ProblemKind =
  | 'invalid-json'
  | 'validation-failed'
  | 'unsupported-media-type'
  | 'payload-too-large'
  | 'not-found'
  | 'method-not-allowed'
  | 'unauthorized'
  | 'forbidden'
  | 'conflict'
  | 'service-unavailable'
  | 'internal-error'
  | 'x12-unreadable'
  | 'unknown-partner'
  | 'body-incomplete'
  | 'invalid-header'
  | 'idempotency-key-reused';

const TITLES: Record<ProblemKind, string> = {
  'invalid-json': 'Request body is not valid JSON',
  'validation-failed': 'Request body does not match the schema',
  'unsupported-media-type': 'Unsupported content type',
  'payload-too-large': 'Request body too large',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  unauthorized: 'Authentication required',
  forbidden: 'Not allowed',
  conflict: 'Conflict',
  'service-unavailable': 'Service temporarily unavailable',
  'internal-error': 'Internal error',
  'x12-unreadable': 'Not a readable X12 interchange',
  'unknown-partner': 'Unknown trading partner',
  'body-incomplete': 'Request body broke off',
  'invalid-header': 'A request header is not valid',
  'idempotency-key-reused': 'Idempotency-Key already used for a different request',
};

export class Problem extends Error {
  override name = 'Problem';
  constructor(
    readonly status: number,
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
  }

  toJSON(instance?: string): Record<string, unknown> {
    return {
      type: PROBLEM_BASE + this.kind,
      title: TITLES[this.kind],
      status: this.status,
      detail: this.detail,
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

export function sendProblem(res: Response, problem: Problem, instance?: string): void {
  if (problem.status === 503) res.setHeader('retry-after', '5');
  if (problem.status === 401) res.setHeader('www-authenticate', 'Bearer realm="crossdock"');
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify(problem.toJSON(instance)));
}
