-- The event listing (GET /api/v1/events) pages by position under filters on partner, subject,
-- the time an event was stored, and, for a partner's API key, what the partner may read.
-- Each index leads with the filter and ends with position, so a filtered page is read in order
-- and stops at its limit instead of sorting every match.
CREATE INDEX events_partner_position ON events (partner_id, position);
CREATE INDEX events_subject_position ON events (subject, position);
CREATE INDEX events_created_at ON events (created_at);
-- A partner reads the events addressed to it (the CloudEvent's recipientid).
CREATE INDEX events_recipient_position ON events ((envelope->>'recipientid'), position)
  WHERE envelope ? 'recipientid';
