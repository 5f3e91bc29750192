-- The message store: every message that crosses the gateway, what it became, where it went.
-- Runs unchanged on PostgreSQL (pg) and PGlite.

CREATE TABLE messages (
  id              text PRIMARY KEY,
  direction       text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  protocol        text NOT NULL,
  partner_id      text,                       -- NULL while unroutable
  document_kind   text,
  content_type    text,
  raw             bytea NOT NULL,             -- the bytes exactly as received or sent
  size_bytes      integer NOT NULL,
  sha256          text NOT NULL,
  status          text NOT NULL,
  correlation_id  text NOT NULL,
  business_key    text,
  error           jsonb,
  received_at     timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_partner_received ON messages (partner_id, received_at);
CREATE INDEX messages_business_key ON messages (business_key);
CREATE INDEX messages_correlation ON messages (correlation_id);
CREATE INDEX messages_status_received ON messages (status, received_at);

CREATE TABLE events (
  id            text PRIMARY KEY,
  position      bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- global order, for feeds that resume
  message_id    text NOT NULL REFERENCES messages (id),
  seq           integer NOT NULL,
  type          text NOT NULL,
  subject       text,
  partner_id    text,
  business_key  text,
  envelope      jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (message_id, seq)
);
CREATE INDEX events_type_created ON events (type, created_at);
CREATE INDEX events_business_key ON events (business_key);

CREATE TABLE deliveries (
  id                text PRIMARY KEY,
  event_id          text NOT NULL REFERENCES events (id),
  message_id        text NOT NULL REFERENCES messages (id),
  destination       text NOT NULL,            -- the receiving partner
  channel           text NOT NULL,            -- the outbound adapter
  status            text NOT NULL CHECK (status IN ('pending', 'retrying', 'delivered', 'dead')),
  attempts          integer NOT NULL DEFAULT 0,
  replays           integer NOT NULL DEFAULT 0,
  last_status_code  integer,
  last_error        text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  delivered_at      timestamptz
);
CREATE INDEX deliveries_message ON deliveries (message_id);
CREATE INDEX deliveries_status_updated ON deliveries (status, updated_at);

-- Every stage a message passes, in order: what operators read when a PO goes missing.
CREATE TABLE timeline (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id  text NOT NULL,
  stage       text NOT NULL,
  detail      jsonb,
  at          timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX timeline_message ON timeline (message_id, id);

CREATE TABLE idempotency_keys (
  partner_id    text NOT NULL,
  key           text NOT NULL,
  request_hash  text NOT NULL,
  message_id    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  PRIMARY KEY (partner_id, key)
);

-- X12 interchange/group/set control numbers, allocated per partner, never reused.
CREATE TABLE control_numbers (
  partner_id  text NOT NULL,
  kind        text NOT NULL,
  last_value  bigint NOT NULL,
  PRIMARY KEY (partner_id, kind)
);
