-- A second factor (issue 12): a TOTP app, with recovery codes for a lost phone.
-- Migration 0010 is the device tokens.
--
-- totp_factors: at most one per account. A row with enabled_at NULL is a secret
-- shown to the user and not yet confirmed with a code; signing in asks for a code
-- only once enabled_at is set. secret is encrypted (src/auth/totp-secrets.ts: AES-GCM
-- under a key derived from the server secret, bound to user_id), never in the clear.
-- last_used_step is the time step of the last code accepted: a code of that step or
-- an earlier one is refused (a replay), and moving it is one conditional UPDATE, so
-- two instances checking the same code at once cannot both accept it.
CREATE TABLE totp_factors (
  user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret text NOT NULL,
  created_at timestamptz NOT NULL,
  enabled_at timestamptz,
  last_used_step bigint
);

-- recovery_codes: sha256 of each code (120 random bits each: a fast hash is enough),
-- never the code. A code is spent by setting used_at, in one conditional UPDATE.
-- The primary key finds a typed code's row; the user_id index serves the count of
-- codes left, their replacement and the cascade when the account goes.
CREATE TABLE recovery_codes (
  code_hash text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX recovery_codes_user_id ON recovery_codes (user_id);
