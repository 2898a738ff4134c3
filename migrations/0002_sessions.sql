-- Server-side sessions (docs/decisions/0001, after the Copenhagen Book). The cookie holds
-- "id.secret"; only sha256(secret) is stored, so a leaked table signs nobody in.
CREATE TABLE sessions (
  id text PRIMARY KEY,
  secret_hash bytea NOT NULL,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  -- The absolute limit, fixed at sign-in (absolute or remember-me lifetime).
  expires_at timestamptz NOT NULL,
  remember boolean NOT NULL,
  user_agent text,
  ip text
);

CREATE INDEX sessions_user_id_idx ON sessions (user_id);
-- For the periodic purge of sessions past either limit.
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
CREATE INDEX sessions_last_seen_at_idx ON sessions (last_seen_at) WHERE NOT remember;
