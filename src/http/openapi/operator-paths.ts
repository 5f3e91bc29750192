/** The operator's endpoints: messages, deliveries and dead letters, X12 sent and its acks. */
import { OUTBOUND_SET_STATUSES } from '../../store/x12-ack-tracking';
import type { JsonSchema } from './components';
import { limit, OPERATOR, operatorProblems, pathId, query } from './operation-parts';
import { json, problems, schemaRef } from './responses';

const messagePaths: Record<string, JsonSchema> = {
  '/api/v1/messages/{id}': {
    get: {
      ...OPERATOR,
      operationId: 'getMessage',
      tags: ['Operator'],
      summary: 'A message, its timeline, events and deliveries',
      parameters: [pathId('id', 'The message id.')],
      responses: {
        '200': json('The message.', schemaRef('MessageDetail')),
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
      ...OPERATOR,
      operationId: 'getDelivery',
      tags: ['Operator'],
      summary: 'A delivery',
      parameters: [pathId('id', 'The delivery id.')],
      responses: {
        '200': json('The delivery.', schemaRef('Delivery')),
        ...operatorProblems,
        ...problems(404),
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

export const operatorPaths: Record<string, JsonSchema> = {
  ...messagePaths,
  ...deliveryPaths,
  ...x12TrackingPaths,
};
