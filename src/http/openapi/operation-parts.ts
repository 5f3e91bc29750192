/** The pieces operations share: security requirements and parameters. */
import type { JsonSchema } from './components';
import { problems } from './responses';

// Every operator route answers 401 (wrong key) or 403 (no key set and a non-loopback caller).
export const OPERATOR = { security: [{ operatorKey: [] }] };
export const operatorProblems = problems(401, 403);
export const PUBLIC = { security: [] };

export const pathId = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});

export const query = (name: string, description: string, schema: JsonSchema) => ({
  name,
  in: 'query',
  description,
  schema,
});

export const limit = (max: number) =>
  query('limit', `Page size, 1 to ${max}.`, {
    type: 'integer',
    minimum: 1,
    maximum: max,
    default: 100,
  });
