/**
 * The shapes of the gateway's own answers (receipts, problems, store records), as OpenAPI
 * components. They describe what src/http and src/inbound send; the canonical documents come
 * from their JSON Schemas (components.ts).
 */
import { OUTBOUND_SET_STATUSES } from '../../store/x12-ack-tracking';
import { PROBLEM_BASE } from '../problem';
import type { JsonSchema } from './components';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const text = (description: string) => ({ type: 'string', description });
const nullable = (type: string, description: string) => ({ type: [type, 'null'], description });
const timestamp = (description: string) => ({ type: 'string', format: 'date-time', description });

export const gatewaySchemas: Record<string, JsonSchema> = {
  Problem: {
    type: 'object',
    description: `An RFC 9457 problem. \`type\` is ${PROBLEM_BASE}<kind>, one URI per kind of error.`,
    required: ['type', 'title', 'status', 'detail'],
    properties: {
      type: { type: 'string', format: 'uri', examples: [`${PROBLEM_BASE}validation-failed`] },
      title: text('The same for every problem of a type.'),
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: text('What went wrong with this request.'),
      instance: text('The request path.'),
      errors: {
        type: 'array',
        description: 'Each failing field, as a JSON pointer into the body, query or headers.',
        items: ref('ProblemFieldError'),
      },
      messageId: text('The message the request was kept as, when it was kept.'),
      ta1Code: text('X12: the TA1 interchange note code (TA105) for the error.'),
    },
  },
  ProblemFieldError: {
    type: 'object',
    required: ['pointer', 'detail'],
    properties: {
      pointer: text('e.g. #/lines/0/quantity, #/query/status, #/headers/Idempotency-Key'),
      detail: { type: 'string' },
    },
  },
  Receipt: {
    type: 'object',
    description: 'The message is stored durably and queued; processing is asynchronous.',
    required: ['messageId', 'correlationId', 'status', 'location'],
    properties: {
      messageId: { type: 'string' },
      correlationId: text('Shared by every message of one business exchange.'),
      recipientId: text('The trading partner the document is addressed to, when it has one.'),
      status: { const: 'accepted' },
      location: text('Where the message can be read: /api/v1/messages/{id}.'),
    },
  },
  X12Receipt: {
    type: 'object',
    description: 'A receipt for an X12 file, with what its envelopes held.',
    required: ['messageId', 'correlationId', 'status', 'location', 'sizeBytes'],
    properties: {
      messageId: { type: 'string' },
      correlationId: { type: 'string' },
      status: { const: 'accepted' },
      location: { type: 'string' },
      sizeBytes: { type: 'integer' },
      note: text('Set when ?ack=sync waited longer than allowed; the acks will be on the message.'),
    },
    additionalProperties: { description: 'The interchange/group/set counts and control numbers.' },
  },
  Message: {
    type: 'object',
    required: ['id', 'direction', 'protocol', 'status', 'correlationId', 'receivedAt'],
    properties: {
      id: { type: 'string' },
      direction: { enum: ['inbound', 'outbound'] },
      protocol: text('rest, x12, webhook, ...'),
      partnerId: nullable('string', 'The partner that sent it (inbound) or receives it.'),
      documentKind: nullable('string', 'e.g. PurchaseOrder'),
      contentType: nullable('string', 'As it arrived.'),
      sizeBytes: { type: 'integer' },
      sha256: { type: 'string' },
      status: text('received, processed, rejected, unroutable, ...'),
      correlationId: { type: 'string' },
      businessKey: nullable('string', 'PO number, invoice number, ...'),
      error: { description: 'Why it was rejected, when it was.' },
      summary: { description: 'What processing found, e.g. per X12 envelope.' },
      answersMessageId: nullable('string', 'The message this one answers (e.g. a 997).'),
      recipientId: nullable('string', 'The partner the document is addressed to.'),
      receivedAt: timestamp('When it was stored.'),
      updatedAt: timestamp('Last status change.'),
    },
  },
  MessageDetail: {
    description: 'A message with everything that happened to it.',
    allOf: [
      ref('Message'),
      {
        type: 'object',
        properties: {
          links: { type: 'object', properties: { raw: { type: 'string' } } },
          timeline: { type: 'array', items: { type: 'object' } },
          events: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                type: { type: 'string' },
                subject: { type: ['string', 'null'] },
                createdAt: { type: 'string', format: 'date-time' },
                event: ref('CloudEvent'),
              },
            },
          },
          deliveries: { type: 'array', items: ref('Delivery') },
        },
      },
    ],
  },
  Delivery: {
    type: 'object',
    required: ['id', 'messageId', 'destination', 'channel', 'status', 'attempts'],
    properties: {
      id: { type: 'string' },
      eventId: nullable('string', 'The event delivered; null for a stored outbound message.'),
      outboundMessageId: nullable('string', 'The outbound message delivered, if any.'),
      messageId: { type: 'string' },
      destination: text('The receiving partner.'),
      channel: text('webhook, x12-http, x12-file, x12-sftp, ...'),
      status: { enum: ['pending', 'retrying', 'delivered', 'dead'] },
      attempts: { type: 'integer' },
      replays: { type: 'integer' },
      lastStatusCode: { type: ['integer', 'null'] },
      lastError: { type: ['string', 'null'] },
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
      deliveredAt: { type: ['string', 'null'], format: 'date-time' },
    },
  },
  OutboundSet: {
    type: 'object',
    description: 'An X12 transaction set sent to a partner and what its 997/999 said.',
    required: ['deliveryId', 'partnerId', 'transactionSet', 'status', 'isOverdue'],
    properties: {
      deliveryId: { type: 'string' },
      partnerId: { type: 'string' },
      eventId: { type: ['string', 'null'] },
      transactionSet: text('e.g. 855'),
      functionalId: text('GS01, e.g. PR'),
      version: text('e.g. 004010'),
      businessKey: { type: ['string', 'null'] },
      correlationId: { type: 'string' },
      messageId: nullable('string', 'The outbound interchange, once assembled.'),
      isa13: { type: ['string', 'null'] },
      gs06: { type: ['string', 'null'] },
      st02: { type: ['string', 'null'] },
      status: { enum: [...OUTBOUND_SET_STATUSES] },
      isOverdue: { type: 'boolean', description: 'Still sent after its ack was due.' },
      ackMessageId: { type: ['string', 'null'] },
      ackCode: nullable('string', 'AK5/IK5 code, e.g. A, E, R.'),
      ackErrors: { description: 'The segment and element errors the ack reported.' },
      createdAt: { type: 'string', format: 'date-time' },
      sentAt: { type: ['string', 'null'], format: 'date-time' },
      ackDueAt: { type: ['string', 'null'], format: 'date-time' },
      ackedAt: { type: ['string', 'null'], format: 'date-time' },
      links: {
        type: 'object',
        properties: { interchange: { type: 'string' }, ack: { type: 'string' } },
      },
    },
  },
  FeedEvent: {
    type: 'object',
    required: ['position', 'id', 'type', 'createdAt', 'event'],
    properties: {
      position: {
        type: 'integer',
        description: 'Pass the last one as `after` (or Last-Event-ID) to resume.',
      },
      id: { type: 'string' },
      type: { type: 'string' },
      partnerId: { type: ['string', 'null'] },
      subject: { type: ['string', 'null'] },
      createdAt: { type: 'string', format: 'date-time' },
      event: ref('CloudEvent'),
    },
  },
};
