/** The live event feeds: Server-Sent Events and long polling. */
import type { JsonSchema } from './components';
import { limit, OPERATOR, operatorProblems, query } from './operation-parts';
import { json, problems, schemaRef } from './responses';

const feedFilters = [
  query('type', 'Event types; `*` matches any run of characters. Repeated or comma-separated.', {
    type: 'string',
  }),
  query('partner', 'Partner ids. Repeated or comma-separated.', { type: 'string' }),
  query('subject', 'Exactly this subject (e.g. a PO number).', { type: 'string' }),
];

export const eventFeedPaths: Record<string, JsonSchema> = {
  '/api/v1/events/stream': {
    get: {
      ...OPERATOR,
      operationId: 'streamEvents',
      tags: ['Events'],
      summary: 'Canonical events as Server-Sent Events',
      description:
        'Each event is `id: <position>`, `event: <type>`, `data: <CloudEvent JSON>`; a ' +
        '`: keepalive` comment is sent between events. A reconnect with Last-Event-ID gets ' +
        'exactly the events it missed. A client that stops reading is dropped.',
      parameters: [
        ...feedFilters,
        query('after', 'Start after this position (Last-Event-ID wins).', {
          type: 'integer',
          minimum: 0,
        }),
        {
          name: 'Last-Event-ID',
          in: 'header',
          description: 'The position of the last event received.',
          schema: { type: 'integer', minimum: 0 },
        },
      ],
      responses: {
        '200': {
          description: 'An endless stream of events.',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
        ...problems(400),
        ...operatorProblems,
        ...problems(503),
      },
    },
  },
  '/api/v1/events': {
    get: {
      ...OPERATOR,
      operationId: 'pollEvents',
      tags: ['Events'],
      summary: 'Canonical events by long polling',
      description:
        'Answers at once when there are events after `after`, else with the first to arrive ' +
        'within `wait` seconds, else with none. Pass `next` as the following `after`.',
      parameters: [
        ...feedFilters,
        query('after', 'The `next` of the previous answer.', { type: 'integer', minimum: 0 }),
        query('wait', 'Seconds to wait for an event (at most 30).', {
          type: 'number',
          minimum: 0,
          maximum: 30,
          default: 0,
        }),
        limit(500),
      ],
      responses: {
        '200': json('Events after `after`, oldest first.', {
          type: 'object',
          required: ['events', 'next'],
          properties: {
            events: { type: 'array', items: schemaRef('FeedEvent') },
            next: { type: 'integer', description: 'The position everything up to was looked at.' },
          },
        }),
        ...problems(400),
        ...operatorProblems,
        ...problems(503),
      },
    },
  },
};
