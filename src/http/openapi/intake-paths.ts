/**
 * The intake endpoints: `POST /api/v1/<resource>` for each canonical document kind, X12 over
 * HTTP and inbound webhooks.
 */
import { documentKinds } from '../../canonical/documents';
import type { CanonicalComponents, JsonSchema } from './components';
import { json, problems, schemaRef } from './responses';

const PARTNER_KEY = [{ partnerApiKey: [] }, { partnerApiKeyHeader: [] }];

const receiptHeaders = {
  Location: { schema: { type: 'string' }, description: '/api/v1/messages/{messageId}' },
  'X-Correlation-Id': { schema: { type: 'string' } },
};

export function documentIntakePaths(components: CanonicalComponents): Record<string, JsonSchema> {
  return Object.fromEntries(
    documentKinds.map((descriptor) => {
      const scope = `${descriptor.resource}:write`;
      const operation = {
        operationId: `post${descriptor.kind}`,
        tags: ['Documents'],
        summary: `Send a ${descriptor.kind}`,
        description:
          `Validated against the canonical ${descriptor.kind} schema, stored durably, then ` +
          `published as \`${descriptor.eventType}\` events. Needs an API key with the scope ` +
          `\`${scope}\` or \`documents:write\`.`,
        security: PARTNER_KEY.map((scheme) =>
          Object.fromEntries(Object.keys(scheme).map((name) => [name, [scope]])),
        ),
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            description:
              'The same key with the same request gets the first answer again ' +
              '(Idempotent-Replayed: true); with another request, a 422. Bare or quoted.',
            schema: { type: 'string', minLength: 1, maxLength: 255 },
          },
          {
            name: 'X-Correlation-Id',
            in: 'header',
            description:
              'Joins the document to an exchange; by default an answer to a PO joins the PO’s.',
            schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
          },
          {
            name: 'X-Crossdock-Partner',
            in: 'header',
            description:
              'The trading partner the document is addressed to. Without it, an answer to a PO ' +
              'goes to the partner its buyer party names, else to the sender of the PO.',
            schema: { type: 'string' },
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { $ref: components.refOf(descriptor.schemaId) } },
          },
        },
        responses: {
          '202': json('Accepted: stored and queued.', schemaRef('Receipt'), {
            ...receiptHeaders,
            'Idempotent-Replayed': {
              schema: { const: 'true' },
              description: 'Set when this repeats the first answer to the same Idempotency-Key.',
            },
          }),
          ...problems(400, 401, 403, 409, 413, 415, 422, 503),
        },
      };
      return [`/api/v1/${descriptor.resource}`, { post: operation }];
    }),
  );
}

export const x12IntakePaths: Record<string, JsonSchema> = {
  '/edi/x12': {
    post: {
      operationId: 'postX12Interchange',
      tags: ['X12'],
      summary: 'Send X12 interchanges',
      description:
        'One or more interchanges, streamed into the store. The ISA sender (ISA05/ISA06) names ' +
        'the partner, whose file says how it authenticates (API key or HTTP Basic). TA1 and ' +
        '997/999 follow; with `ack=sync` (or the partner’s `acks.mode: sync`) they are the answer.',
      security: [{ partnerApiKey: [] }, { partnerApiKeyHeader: [] }, { x12Basic: [] }],
      parameters: [
        {
          name: 'ack',
          in: 'query',
          description: 'sync: wait for the TA1/997/999 and answer with them; async: do not.',
          schema: { enum: ['sync', 'async'] },
        },
      ],
      requestBody: {
        required: true,
        content: Object.fromEntries(
          ['application/edi-x12', 'application/edi', 'text/plain', 'application/octet-stream'].map(
            (type) => [type, { schema: { type: 'string' } }],
          ),
        ),
      },
      responses: {
        '200': {
          description: 'ack=sync: the acknowledgments (TA1, 997/999) as one X12 interchange.',
          headers: {
            Location: { schema: { type: 'string' } },
            'X-Message-Id': { schema: { type: 'string' } },
          },
          content: { 'application/edi-x12': { schema: { type: 'string' } } },
        },
        '202': json('Accepted: stored and queued.', schemaRef('X12Receipt'), receiptHeaders),
        ...problems(400, 401, 403, 413, 415, 503),
      },
    },
  },
};

export const webhookIntakePaths: Record<string, JsonSchema> = {
  '/webhooks/{source}': {
    post: {
      operationId: 'postWebhook',
      tags: ['Webhooks'],
      summary: 'Receive a partner’s webhook',
      description:
        'Verified over the raw bytes by the scheme the partner file names (Standard Webhooks, ' +
        'GitHub X-Hub-Signature-256, Stripe-Signature or a generic HMAC header), with a ' +
        'timestamp tolerance; then mapped to a canonical document by the partner’s map.',
      security: [],
      parameters: [
        {
          name: 'source',
          in: 'path',
          required: true,
          description: 'The partner id.',
          schema: { type: 'string' },
        },
      ],
      requestBody: { required: true, content: { '*/*': { schema: {} } } },
      responses: {
        '200': json('A delivery id seen before: nothing is stored.', {
          type: 'object',
          properties: { status: { const: 'duplicate' } },
        }),
        '202': json('Accepted: stored and queued.', schemaRef('Receipt'), receiptHeaders),
        '401': {
          $ref: '#/components/responses/Unauthorized',
          description: 'Unknown source, bad or missing signature, or stale timestamp (one answer).',
        },
        ...problems(413, 422, 503),
      },
    },
  },
};
