-- REST documents addressed to trading partners: idempotency keys that expire, and the
-- operator's view of one business exchange (850 → 997 → 855 → 856 → 810).

-- Expired keys are purged in small batches by age.
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);

-- The chain of a correlation id includes the outbound interchanges that carried its sets.
CREATE INDEX x12_outbound_sets_correlation ON x12_outbound_sets (correlation_id);
