-- Security events of an account (registered, signed in, failed sign-in, …), shown
-- on its account page. Never a password or a token. An account's events go with it.
CREATE TABLE auth_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint REFERENCES users (id) ON DELETE CASCADE,
  kind text NOT NULL,
  occurred_at timestamptz NOT NULL,
  ip text,
  user_agent text
);

CREATE INDEX auth_events_user_id_idx ON auth_events (user_id, id DESC);
-- For the periodic purge of old events.
CREATE INDEX auth_events_occurred_at_idx ON auth_events (occurred_at);
