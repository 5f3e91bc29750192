/** The operator's endpoints: messages, deliveries and dead letters, X12 sent and its acks. */
import { OUTBOUND_SET_STATUSES } from '../../store/x12-ack-tracking';
import type { JsonSchema } from './components';
import { limit, OPERATOR, operatorProblems, pathId, query } from './operation-parts';

/**
 * A message, its events and its deliveries by id: the operator, or a partner's API key with
 * `messages:read`, which reads only what its partner sent or was sent (404 for the rest).
 */
const MESSAGE_READER = {
  security: [
    { operatorKey: [] },
    { partnerApiKey: ['messages:read'] },
    { partnerApiKeyHeader: ['messages:read'] },
  ],
};
const MESSAGE_READERS =
  'A partner’s API key needs `messages:read` and reads a message only when its partner sent ' +
  'it, it is addressed to the partner or it was routed to the partner; of it, the events the ' +
  'partner sent, was addressed or was routed, and only its own deliveries. 404 for the rest.';
import { json, problems, schemaRef } from './responses';

const messagePaths: Record<string, JsonSchema> = {
  '/api/v1/messages/{id}': {
    get: {
      ...MESSAGE_READER,
      operationId: 'getMessage',
      tags: ['Operator'],
      summary: 'A message, its timeline, events and deliveries',
      description: MESSAGE_READERS,
      parameters: [pathId('id', 'The message id.')],
      responses: {
        '200': json('The message.', schemaRef('MessageDetail')),
        ...operatorProblems,
        ...problems(404),
      },
    },
  },
  '/api/v1/messages/{id}/events': {
    get: {
      ...MESSAGE_READER,
      operationId: 'getMessageEvents',
      tags: ['Operator'],
      summary: 'The canonical events a message became, in order',
      description: MESSAGE_READERS,
      parameters: [pathId('id', 'The message id.')],
      responses: {
        '200': json('Its events.', {
          type: 'object',
          required: ['events'],
          properties: { events: { type: 'array', items: schemaRef('FeedEvent') } },
        }),
        ...operatorProblems,
        ...problems(404),
      },
    },
  },
  '/api/v1/messages/{id}/deliveries': {
    get: {
      ...MESSAGE_READER,
      operationId: 'getMessageDeliveries',
      tags: ['Operator'],
      summary: 'The deliveries of a message’s events (and of the message itself, when sent)',
      description: MESSAGE_READERS,
      parameters: [pathId('id', 'The message id.')],
      responses: {
        '200': json('Its deliveries.', {
          type: 'object',
          required: ['deliveries'],
          properties: { deliveries: { type: 'array', items: schemaRef('Delivery') } },
        }),
        ...operatorProblems,
        ...problems(404),
      },
    },
  },
  '/api/v1/messages/{id}/chain': {
    get: {
      ...OPERATOR,
      operationId: 'getMessageChain',
      tags: ['Operator'],
      summary: 'Every message of the exchange this one belongs to, oldest first',
      parameters: [pathId('id', 'Any message of the exchange.')],
      responses: {
        '200': json('The exchange.', {
          type: 'object',
          required: ['correlationId', 'messages'],
          properties: {
            correlationId: { type: 'string' },
            messages: { type: 'array', items: { type: 'object' } },
          },
        }),
        ...operatorProblems,
        ...problems(404),
      },
    },
  },
  '/api/v1/messages/{id}/raw': {
    get: {
      ...OPERATOR,
      operationId: 'getMessageRaw',
      tags: ['Operator'],
      summary: 'The bytes of a message as they were received or sent',
      parameters: [pathId('id', 'The message id.')],
      responses: {
        '200': {
          description: 'Streamed, with the message’s own content type.',
          content: {
            '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
          },
        },
        ...operatorProblems,
        ...problems(404),
      },
    },
  },
};

const deliveryPaths: Record<string, JsonSchema> = {
  '/api/v1/deliveries': {
    get: {
      ...OPERATOR,
      operationId: 'listDeliveries',
      tags: ['Operator'],
      summary: 'Deliveries, optionally by status (dead letters: status=dead)',
      parameters: [
        query('status', 'Only deliveries in this status.', {
          enum: ['pending', 'retrying', 'delivered', 'dead'],
        }),
        query('after', 'The id of the last delivery of the previous page.', { type: 'string' }),
        limit(500),
      ],
      responses: {
        '200': json('A page of deliveries.', {
          type: 'object',
          required: ['deliveries', 'next'],
          properties: {
            deliveries: { type: 'array', items: schemaRef('Delivery') },
            next: { type: ['string', 'null'], description: 'The next page’s URL, if any.' },
          },
        }),
        ...problems(400),
        ...operatorProblems,
      },
    },
  },
  '/api/v1/deliveries/{id}': {
    get: {
      ...MESSAGE_READER,
      operationId: 'getDelivery',
      tags: ['Operator'],
      summary: 'A delivery',
      description: 'A partner’s API key with `messages:read` reads only deliveries to its partner.',
      parameters: [pathId('id', 'The delivery id.')],
      responses: {
        '200': json('The delivery.', schemaRef('Delivery')),
        ...operatorProblems,
        ...problems(404),
      },
    },
  },
  '/api/v1/deliveries/replay': {
    post: {
      ...OPERATOR,
      operationId: 'replayDeadLetters',
      tags: ['Operator'],
      summary: 'Deliver again every dead letter a filter matches (bulk replay)',
      requestBody: {
        required: false,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              properties: {
                destination: { type: 'string', description: 'Only dead letters to this partner.' },
                since: {
                  type: 'string',
                  format: 'date-time',
                  description: 'Only those that died at or after this moment.',
                },
                until: {
                  type: 'string',
                  format: 'date-time',
                  description: 'Only those that died before this moment.',
                },
                max: {
                  type: 'integer',
                  minimum: 1,
                  maximum: 10000,
                  default: 10000,
                  description: 'At most this many per call.',
                },
              },
            },
          },
        },
      },
      responses: {
        '202': json('Queued again, each with a fresh set of attempts.', {
          type: 'object',
          required: ['replayed', 'more'],
          properties: {
            replayed: { type: 'integer' },
            more: { type: 'boolean', description: 'More matched than max: call again.' },
          },
        }),
        ...operatorProblems,
        ...problems(400),
      },
    },
  },
  '/api/v1/deliveries/{id}/replay': {
    post: {
      ...OPERATOR,
      operationId: 'replayDelivery',
      tags: ['Operator'],
      summary: 'Deliver again (a dead letter, or one still retrying)',
      parameters: [pathId('id', 'The delivery id.')],
      responses: {
        '202': json('Queued again.', {
          type: 'object',
          required: ['deliveryId', 'status'],
          properties: { deliveryId: { type: 'string' }, status: { const: 'pending' } },
        }),
        ...operatorProblems,
        ...problems(404, 409),
      },
    },
  },
};

const x12TrackingPaths: Record<string, JsonSchema> = {
  '/api/v1/x12/outbound-sets': {
    get: {
      ...OPERATOR,
      operationId: 'listX12OutboundSets',
      tags: ['X12'],
      summary: 'X12 transaction sets sent to partners and their acknowledgment status',
      parameters: [
        query('partner', 'Only sets sent to this partner.', { type: 'string' }),
        query('status', 'Only sets in this status.', { enum: [...OUTBOUND_SET_STATUSES] }),
        query('overdue', 'true: only sets whose ack is overdue; false: only the others.', {
          type: 'boolean',
        }),
        limit(500),
        query('cursor', 'The nextCursor of the previous page.', { type: 'string' }),
      ],
      responses: {
        '200': json('A page of sets.', {
          type: 'object',
          required: ['sets', 'nextCursor', 'next'],
          properties: {
            sets: { type: 'array', items: schemaRef('OutboundSet') },
            nextCursor: { type: ['string', 'null'] },
            next: { type: ['string', 'null'], description: 'The next page’s URL, if any.' },
          },
        }),
        ...problems(400),
        ...operatorProblems,
      },
    },
  },
  '/api/v1/x12/outbound-sets/{deliveryId}': {
    get: {
      ...OPERATOR,
      operationId: 'getX12OutboundSet',
      tags: ['X12'],
      summary: 'One X12 transaction set sent to a partner',
      parameters: [pathId('deliveryId', 'The delivery that sent the set.')],
      responses: {
        '200': json('The set.', schemaRef('OutboundSet')),
        ...operatorProblems,
        ...problems(404),
      },
    },
  },
};

const endpointSchema: JsonSchema = {
  type: 'object',
  description: 'A subscriber’s webhook endpoint: disabled by a 410 Gone or not, and its circuit.',
  required: ['partner', 'channel', 'status', 'maxConcurrency', 'circuitBreaker', 'circuit'],
  properties: {
    partner: { type: 'string' },
    channel: { const: 'webhook' },
    status: { enum: ['enabled', 'disabled'] },
    disabledAt: { type: ['string', 'null'], format: 'date-time' },
    disabledReason: { type: ['string', 'null'] },
    disabledByDelivery: {
      type: ['string', 'null'],
      description: 'The delivery that got the 410.',
    },
    enabledAt: { type: ['string', 'null'], format: 'date-time' },
    maxConcurrency: { type: 'integer' },
    circuitBreaker: {
      type: 'object',
      properties: {
        failureThreshold: { type: 'integer' },
        cooldownSeconds: { type: 'number' },
      },
    },
    circuit: {
      type: 'object',
      required: ['state', 'consecutiveFailures', 'openUntil', 'inFlight'],
      properties: {
        state: { enum: ['closed', 'open', 'half-open'] },
        consecutiveFailures: { type: 'integer' },
        openUntil: { type: ['string', 'null'], format: 'date-time' },
        inFlight: { type: 'integer', description: 'Sends in flight, across all workers.' },
      },
    },
  },
};

const endpointPaths: Record<string, JsonSchema> = {
  '/api/v1/endpoints': {
    get: {
      ...OPERATOR,
      operationId: 'listEndpoints',
      tags: ['Operator'],
      summary: 'Subscribers’ webhook endpoints: disabled ones, circuits, sends in flight',
      responses: {
        '200': json('Every partner with a webhook channel.', {
          type: 'object',
          required: ['endpoints'],
          properties: { endpoints: { type: 'array', items: endpointSchema } },
        }),
        ...operatorProblems,
      },
    },
  },
  '/api/v1/endpoints/{partner}/enable': {
    post: {
      ...OPERATOR,
      operationId: 'enableEndpoint',
      tags: ['Operator'],
      summary: 'Enable an endpoint disabled by a 410 Gone, optionally replaying its dead letters',
      parameters: [pathId('partner', 'The partner id.')],
      requestBody: {
        required: false,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                replayDeadLetters: {
                  type: 'boolean',
                  default: false,
                  description: 'Replay every delivery dead-lettered since it was disabled.',
                },
              },
            },
          },
        },
      },
      responses: {
        '200': json('Enabled.', {
          type: 'object',
          required: ['endpoint', 'wasDisabledAt', 'replayed'],
          properties: {
            endpoint: endpointSchema,
            wasDisabledAt: { type: ['string', 'null'], format: 'date-time' },
            replayed: { type: 'integer', description: 'Dead letters put back in the queue.' },
          },
        }),
        ...problems(400),
        ...operatorProblems,
        ...problems(404),
      },
    },
  },
};

export const operatorPaths: Record<string, JsonSchema> = {
  ...messagePaths,
  ...deliveryPaths,
  ...endpointPaths,
  ...x12TrackingPaths,
};
