-- Second-factor codes per account over a sliding 15 minutes (replaces the fixed
-- window of attempt_limits scope 'second_factor', which let up to ten codes through
-- across a window's edge). One row per six-digit code let through to be checked:
-- written before the check, deleted again when the code was right, so what stays
-- counts the wrong ones (and those in flight). Each claim holds the account's
-- totp_factors row lock while it counts and writes, so parallel codes are counted
-- exactly. The purge deletes rows older than the window.
CREATE TABLE second_factor_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  attempted_at timestamptz NOT NULL
);
CREATE INDEX second_factor_attempts_user_time ON second_factor_attempts (user_id, attempted_at);
CREATE INDEX second_factor_attempts_time ON second_factor_attempts (attempted_at);

DELETE FROM attempt_limits WHERE scope = 'second_factor';
