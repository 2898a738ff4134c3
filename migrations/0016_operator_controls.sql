-- What the operator's `logon users` commands change (src/auth/account-admin.ts).
--
-- disabled_at: set by `logon users disable`, in the transaction that also ends the
-- account's sessions; NULL = enabled. Every session insert reads it under the account's
-- row lock (sessions.create), so a sign-in racing the disable gets no session, and a
-- disable racing a sign-in waits for it and then ends the session it made.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

-- password_resets: the one-time links of `logon users reset` (ASVS 6.4.6: the person
-- sets the new password; the operator never chooses or sees it). id is the link's
-- public half, secret_hash the sha256 of its secret half (the session token's form,
-- src/auth/tokens.ts). One link per account: a new one replaces the last (UNIQUE
-- user_id). It works once: taken by DELETE … RETURNING in the transaction that sets
-- the password, and only while the password is still password_version (a change made
-- by its owner meanwhile voids it). clears_second_factor: the operator said so (a flag).
CREATE TABLE password_resets (
  id text PRIMARY KEY,
  secret_hash bytea NOT NULL,
  user_id bigint NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  password_version integer NOT NULL,
  clears_second_factor boolean NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX password_resets_expires_at ON password_resets (expires_at);
