/** The problem+json answers every operation shares, as OpenAPI `components/responses`. */
import type { JsonSchema } from './components';

const problemContent = {
  'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
};

const PROBLEM_RESPONSES: Record<number, { name: string; description: string; headers?: object }> = {
  400: {
    name: 'BadRequest',
    description: 'Malformed request (body, header or query); `errors` points at the field.',
  },
  401: {
    name: 'Unauthorized',
    description: 'Credentials missing or not valid.',
    headers: {
      'WWW-Authenticate': { schema: { type: 'string' }, description: 'Bearer realm="crossdock"' },
    },
  },
  403: { name: 'Forbidden', description: 'The credentials do not allow this.' },
  404: { name: 'NotFound', description: 'No such resource.' },
  409: { name: 'Conflict', description: 'The request conflicts with the current state.' },
  413: { name: 'PayloadTooLarge', description: 'The request body exceeds the limit.' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not of an accepted type.' },
  422: {
    name: 'UnprocessableContent',
    description: 'Well-formed but not acceptable (schema, addressing, reused Idempotency-Key).',
  },
  503: {
    name: 'ServiceUnavailable',
    description: 'A dependency (store, queue) is down; nothing was accepted. Retry.',
    headers: {
      'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' },
    },
  },
};

export const problemResponseComponents: Record<string, JsonSchema> = Object.fromEntries(
  Object.values(PROBLEM_RESPONSES).map(({ name, description, headers }) => [
    name,
    { description, ...(headers ? { headers } : {}), content: problemContent },
  ]),
);

/** `{ '400': { $ref: '#/components/responses/BadRequest' }, ... }` for the given statuses. */
export function problems(...statuses: number[]): Record<string, JsonSchema> {
  return Object.fromEntries(
    statuses.map((status) => {
      const response = PROBLEM_RESPONSES[status];
      if (!response) throw new Error(`no shared problem response for ${status}`);
      return [String(status), { $ref: `#/components/responses/${response.name}` }];
    }),
  );
}

/** A `{ description, content: application/json }` response with the given schema. */
export function json(description: string, schema: JsonSchema, headers?: object): JsonSchema {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema } },
  };
}

export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
