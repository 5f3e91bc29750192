-- Large bodies (X12 files up to gigabytes) are streamed into the store in chunks instead of
-- one bytea value: memory stays bounded and PostgreSQL's 1 GB value limit does not apply.
ALTER TABLE messages ALTER COLUMN raw DROP NOT NULL;
ALTER TABLE messages ADD COLUMN summary jsonb;
ALTER TABLE messages ADD COLUMN answers_message_id text;  -- an outbound ack: the inbound message it answers
CREATE INDEX messages_answers ON messages (answers_message_id);

CREATE TABLE message_chunks (
  message_id  text NOT NULL REFERENCES messages (id),
  seq         integer NOT NULL,
  data        bytea NOT NULL,
  PRIMARY KEY (message_id, seq)
);

-- Every X12 interchange received, for duplicate detection (same sender and ISA13 within the
-- partner's window) and for the operator's view of what a file contained.
CREATE TABLE x12_interchanges (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id          text NOT NULL REFERENCES messages (id),
  seq                 integer NOT NULL,
  partner_id          text,
  sender_qualifier    text NOT NULL,
  sender_id           text NOT NULL,
  receiver_qualifier  text NOT NULL,
  receiver_id         text NOT NULL,
  control_number      text NOT NULL,
  duplicate_of        text,   -- the message that first brought this interchange
  received_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (message_id, seq)
);
CREATE INDEX x12_interchanges_sender ON x12_interchanges (sender_qualifier, sender_id, control_number, received_at);
