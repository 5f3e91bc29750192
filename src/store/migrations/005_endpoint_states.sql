-- Outbound endpoints that said 410 Gone, and the order of deliveries per subject.

-- A partner's webhook endpoint is disabled by a 410 Gone until an operator enables it again;
-- the row outlives restarts so a gone receiver is not tried again after every deploy.
CREATE TABLE endpoint_states (
  partner_id           text PRIMARY KEY,
  disabled_at          timestamptz,          -- NULL while the endpoint is enabled
  disabled_reason      text,
  disabled_status_code integer,
  disabled_by_delivery text,                 -- the delivery that got the 410
  enabled_at           timestamptz,          -- when an operator last enabled it again
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- An ordered subscription's deliveries carry their subject; a delivery waits while one with
-- the same destination and order key and an earlier event is still pending or retrying.
ALTER TABLE deliveries ADD COLUMN order_key text;
CREATE INDEX deliveries_unfinished_in_order ON deliveries (destination, order_key)
  WHERE order_key IS NOT NULL AND status IN ('pending', 'retrying');
