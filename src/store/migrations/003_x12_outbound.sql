-- X12 the gateway writes to partners: which transaction set went out in which interchange under
-- which control numbers, and what the partner's 997/999 said about it.

-- An outbound document posted by an internal app names (or implies) the partner it is for.
ALTER TABLE messages ADD COLUMN recipient_id text;

-- A delivery may carry a stored message (an ack the gateway built) instead of an event.
ALTER TABLE deliveries ALTER COLUMN event_id DROP NOT NULL;
ALTER TABLE deliveries ADD COLUMN outbound_message_id text;
CREATE INDEX deliveries_outbound_message ON deliveries (outbound_message_id);

CREATE TABLE x12_outbound_sets (
  delivery_id      text PRIMARY KEY,          -- the delivery (event → partner) it was made for
  partner_id       text NOT NULL,
  event_id         text,
  transaction_set  text NOT NULL,             -- ST01: 855, 810, 856, 997, 999
  functional_id    text NOT NULL,             -- GS01: PR, IN, SH, FA
  version          text NOT NULL,             -- GS08: 004010, 005010
  business_key     text,                      -- PO, invoice or shipment number
  correlation_id   text NOT NULL,
  body             text,                      -- ST..SE waiting for its interchange (group batching)
  message_id       text,                      -- the outbound interchange that carries it
  isa13            text,
  gs06             text,
  st02             text,
  status           text NOT NULL CHECK (status IN ('queued', 'assembled', 'sent', 'accepted',
                                                   'accepted-with-errors', 'rejected')),
  ack_message_id   text,                      -- the partner's 997/999
  ack_code         text,                      -- AK501/IK501 (or AK901 when the group is answered as a whole)
  ack_errors       jsonb,                     -- the partner's AK3/AK4 (IK3/IK4) codes
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  ack_due_at       timestamptz,               -- NULL: no ack expected
  acked_at         timestamptz
);
CREATE INDEX x12_outbound_sets_control ON x12_outbound_sets (partner_id, gs06, st02);
CREATE INDEX x12_outbound_sets_queued ON x12_outbound_sets (partner_id, status, created_at);
CREATE INDEX x12_outbound_sets_ack_due ON x12_outbound_sets (status, ack_due_at);
CREATE INDEX x12_outbound_sets_message ON x12_outbound_sets (message_id);
