-- Device tokens (issue 9, finding 6; review): the cookie's signature says the server
-- made a token, this table says it is still good. A token is one row, deleted when
-- it is used (rotated: a copy taken earlier is worth nothing after the owner's next
-- sign-in), when the account's password changes (its version no longer matches),
-- and with the account (ON DELETE CASCADE). Only a digest of the token's nonce is
-- kept: the table alone does not give a cookie.
-- Migration 0009 is the usernames' skeleton column (look-alike names).
CREATE TABLE device_tokens (
  token_digest text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  password_version integer NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX device_tokens_user_id ON device_tokens (user_id, created_at);
CREATE INDEX device_tokens_expires_at ON device_tokens (expires_at);
