/** The events: live feeds (Server-Sent Events, WebSocket, long polling), the listing, one by id. */
import type { JsonSchema } from './components';
import { limit, pathId, query } from './operation-parts';
import { json, problems, schemaRef } from './responses';

/**
 * The operator, or a partner's API key with `events:read`, which reads only the events its
 * partner sent (`partnerid`), was addressed (`recipientid`) or was routed (a delivery to it).
 */
const EVENT_READER = {
  security: [
    { operatorKey: [] },
    { partnerApiKey: ['events:read'] },
    { partnerApiKeyHeader: ['events:read'] },
  ],
};
const readerProblems = problems(401, 403);
const READERS =
  'The operator sees every event. A partner’s API key needs the scope `events:read` and sees ' +
  'only the events its partner sent, was addressed (`recipientid`) or was routed to (one of ' +
  'its subscriptions took it); a key without the scope is answered 403.';

const feedFilters = [
  query('type', 'Event types; `*` matches any run of characters. Repeated or comma-separated.', {
    type: 'string',
  }),
  query('partner', 'Source partner ids. Repeated or comma-separated.', { type: 'string' }),
  query('subject', 'Exactly this subject (e.g. a PO number).', { type: 'string' }),
];

const linkHeader = {
  Link: {
    description: 'When there is a next page: `<next page URL>; rel="next"`.',
    schema: { type: 'string' },
  },
};

const pollAnswer = {
  title: 'Long poll',
  type: 'object',
  required: ['events', 'next'],
  properties: {
    events: { type: 'array', items: schemaRef('FeedEvent'), description: 'Oldest first.' },
    next: {
      type: 'integer',
      description: 'The position everything up to was looked at: the following call’s `after`.',
    },
  },
};

const listingPage = {
  title: 'Listing page',
  type: 'object',
  required: ['events', 'next', 'nextCursor'],
  properties: {
    events: { type: 'array', items: schemaRef('FeedEvent') },
    next: {
      type: ['string', 'null'],
      description: 'The next page’s URL (as in the Link header), null on the last page.',
    },
    nextCursor: {
      type: ['string', 'null'],
      description: 'The next page’s `cursor`, null on the last page.',
    },
  },
};

const WS_PROTOCOL =
  'The WebSocket feed: a GET with `Upgrade: websocket` (RFC 6455), authenticated like the other ' +
  'feeds (`Authorization: Bearer <key>` or `X-API-Key` on the upgrade request); a refused ' +
  'upgrade is answered with a problem+json and no switch. Over the socket, JSON text messages. ' +
  'The client sends `{"type":"subscribe","id":"s1","filter":{"type":"com.crossdock.*",' +
  '"partner":"globex-retail","subject":"PO-1"},"after":"<position>"}` (`filter` and `after` ' +
  'optional; `type` and `partner` a string or a list; at most 100 subscriptions per socket) and ' +
  '`{"type":"unsubscribe","id":"s1"}`. The gateway answers `{"type":"subscribed","id":"s1",' +
  '"position":"<where it starts>"}`, then sends `{"type":"event","subscription":"s1",' +
  '"position":"<position>","event":<CloudEvent>}` for each event, and ' +
  '`{"type":"error","id":"s1","message":"..."}` for a message it cannot take. `after` resumes ' +
  'from the store without gaps or duplicates, like Last-Event-ID. The gateway pings; a client ' +
  'that stops reading (over 1 MiB behind) is closed with 1008 and resubscribes with `after`; ' +
  'the gateway stopping closes with 1001. ' +
  READERS;

export const eventFeedPaths: Record<string, JsonSchema> = {
  '/api/v1/events/stream': {
    get: {
      ...EVENT_READER,
      operationId: 'streamEvents',
      tags: ['Events'],
      summary: 'Canonical events as Server-Sent Events',
      description:
        'Each event is `id: <position>`, `event: <type>`, `data: <CloudEvent JSON>`; a ' +
        '`: keepalive` comment is sent between events. A reconnect with Last-Event-ID gets ' +
        'exactly the events it missed. A client that stops reading is dropped. ' +
        READERS,
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
        ...readerProblems,
        ...problems(503),
      },
    },
  },
  '/api/v1/events/ws': {
    get: {
      ...EVENT_READER,
      operationId: 'eventsWebSocket',
      tags: ['Events'],
      summary: 'Canonical events over a WebSocket, with subscribe and unsubscribe messages',
      description: WS_PROTOCOL,
      parameters: [
        {
          name: 'Upgrade',
          in: 'header',
          required: true,
          description: 'Must be `websocket`.',
          schema: { const: 'websocket' },
        },
        {
          name: 'Sec-WebSocket-Key',
          in: 'header',
          required: true,
          description: 'The handshake nonce (RFC 6455).',
          schema: { type: 'string' },
        },
        {
          name: 'Sec-WebSocket-Version',
          in: 'header',
          required: true,
          schema: { const: '13' },
        },
      ],
      responses: {
        '101': {
          description: 'Switching Protocols: the socket carries the messages described above.',
          headers: {
            Upgrade: { schema: { const: 'websocket' } },
            'Sec-WebSocket-Accept': { schema: { type: 'string' } },
          },
        },
        ...readerProblems,
        '426': {
          description: 'A plain GET without `Upgrade: websocket`.',
          content: {
            'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
          },
        },
        ...problems(503),
      },
    },
  },
  '/api/v1/events': {
    get: {
      ...EVENT_READER,
      operationId: 'listOrPollEvents',
      tags: ['Events'],
      summary: 'Stored events: a listing by type, partner, subject and time, or a long poll',
      description:
        'One resource, read two ways, told apart by the parameters. **Long poll** (`after` or ' +
        '`wait` given): answers at once when there are events after position `after`, else with ' +
        'the first to arrive within `wait` seconds, else with none; oldest first; pass `next` as ' +
        'the following `after` (start with `after=0`). **Listing** (neither given): a page of ' +
        'stored events, newest first (`order=asc` for oldest first), optionally from `since` ' +
        '(inclusive) until `until` (exclusive), both the time the event was stored (`createdAt`); ' +
        'follow `next` (also the `Link: rel="next"` header) or pass `nextCursor` as `cursor` with ' +
        'the same other parameters until `next` is null. Pages never repeat or skip an event ' +
        'stored before the first page was read; to follow new events without gaps use a feed. ' +
        'Listing parameters with `after` or `wait` are a 400. ' +
        READERS,
      parameters: [
        ...feedFilters,
        query('after', 'Long poll: the `next` of the previous answer.', {
          type: 'integer',
          minimum: 0,
        }),
        query('wait', 'Long poll: seconds to wait for an event (at most 30).', {
          type: 'number',
          minimum: 0,
          maximum: 30,
          default: 0,
        }),
        query('since', 'Listing: stored at or after this ISO 8601 date or date-time.', {
          type: 'string',
          examples: ['2025-03-01T09:30:00Z', '2025-03-01T11:30:00+02:00', '2025-03-01'],
        }),
        query('until', 'Listing: stored before this ISO 8601 date or date-time.', {
          type: 'string',
        }),
        query('order', 'Listing: `desc` newest first, `asc` oldest first.', {
          enum: ['desc', 'asc'],
          default: 'desc',
        }),
        query('cursor', 'Listing: the `nextCursor` of the previous page (opaque).', {
          type: 'string',
        }),
        limit(500),
      ],
      responses: {
        '200': json(
          'A listing page, or the long poll’s events.',
          { oneOf: [listingPage, pollAnswer] },
          linkHeader,
        ),
        ...problems(400),
        ...readerProblems,
        ...problems(503),
      },
    },
  },
  '/api/v1/events/{id}': {
    get: {
      ...EVENT_READER,
      operationId: 'getEvent',
      tags: ['Events'],
      summary: 'One stored event',
      description: `404 also for an event the key may not read. ${READERS}`,
      parameters: [pathId('id', 'The event id (the CloudEvent id).')],
      responses: {
        '200': json('The event.', schemaRef('FeedEvent')),
        ...readerProblems,
        ...problems(404),
      },
    },
  },
};
