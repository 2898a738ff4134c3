-- Issue 12: re-authentication ("sudo mode") and the second step of a sign-in.
--
-- sessions.authenticated_at: when this session last proved who it is (the sign-in,
-- or a later confirmation with the password and second factor, or a passkey).
-- Sensitive changes need it within REAUTH_MAX_AGE. NULL means "at sign-in"
-- (created_at), so rows written before this migration, or by tools that know
-- nothing of it, read as authenticated when they were made. It is read straight
-- from the table by the check, never from an instance's memory, so it is not one
-- of the columns whose change the 0007 triggers announce.
ALTER TABLE sessions ADD COLUMN authenticated_at timestamptz;

-- pending_sign_ins: a right password for an account with a second factor, waiting
-- for its code. It signs nobody in and opens no page: only POST /login/two-factor
-- reads it. The browser holds "id.secret" in a cookie; the table keeps sha256 of the
-- secret, so a copy of it finishes no sign-in. password_version is the one the
-- password check verified: a password changed meanwhile refuses the session (as a
-- sign-in does). A row is spent by one DELETE … RETURNING, so two requests racing
-- with the same cookie make one session at most. The purge removes expired rows.
CREATE TABLE pending_sign_ins (
  id text PRIMARY KEY,
  secret_hash bytea NOT NULL,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  password_version integer NOT NULL,
  -- The typed name's digest (as the sign-in limits key it): the device token the
  -- browser gets once the code is right is tied to it.
  name_key text NOT NULL,
  remember boolean NOT NULL,
  next_path text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX pending_sign_ins_user_id ON pending_sign_ins (user_id);
CREATE INDEX pending_sign_ins_expires_at ON pending_sign_ins (expires_at);
