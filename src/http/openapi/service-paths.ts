/** Health probes, metrics and this document's own routes. */
import type { JsonSchema } from './components';
import { OPERATOR, operatorProblems, PUBLIC } from './operation-parts';
import { json } from './responses';

export const servicePaths: Record<string, JsonSchema> = {
  '/metrics': {
    get: {
      ...OPERATOR,
      operationId: 'getMetrics',
      tags: ['Service'],
      summary: 'Gauges in the Prometheus text format 0.0.4',
      responses: {
        '200': {
          description: 'e.g. crossdock_x12_outbound_sets, crossdock_x12_outbound_overdue.',
          content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } },
        },
        ...operatorProblems,
      },
    },
  },
  '/healthz': {
    get: {
      ...PUBLIC,
      operationId: 'getLiveness',
      tags: ['Service'],
      summary: 'The process lives',
      responses: {
        '200': json('Alive.', { type: 'object', properties: { status: { const: 'ok' } } }),
      },
    },
  },
  '/readyz': {
    get: {
      ...PUBLIC,
      operationId: 'getReadiness',
      tags: ['Service'],
      summary: 'Redis and the message store both answer',
      responses: Object.fromEntries(
        (['200', '503'] as const).map((status) => [
          status,
          json(status === '200' ? 'Ready.' : 'A dependency does not answer.', {
            type: 'object',
            required: ['status', 'checks'],
            properties: {
              status: { const: status === '200' ? 'ready' : 'unavailable' },
              checks: {
                type: 'object',
                description: 'Per dependency: "ok" or why it failed.',
                additionalProperties: { type: 'string' },
              },
            },
          }),
        ]),
      ),
    },
  },
  '/openapi.json': {
    get: {
      ...PUBLIC,
      operationId: 'getOpenApiDocument',
      tags: ['Service'],
      summary: 'This document',
      responses: { '200': json('OpenAPI 3.1.', { type: 'object' }) },
    },
  },
  '/docs': {
    get: {
      ...PUBLIC,
      operationId: 'getDocsPage',
      tags: ['Service'],
      summary: 'This document, rendered as HTML',
      responses: {
        '200': { description: 'HTML.', content: { 'text/html': { schema: { type: 'string' } } } },
      },
    },
  },
};
