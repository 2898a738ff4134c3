-- Counters of the sign-in and registration limits (docs/decisions/0005-sign-in-limits.md),
-- in the database so that every instance and every restart sees the same counts.
-- One row per (scope, key):
--   name_address      a typed name from one client address  key "<address> <name digest>"
--   account           a typed name from any address          key "<name digest>"
--   address           any name from one client address      key "<address>"
--   register_address  registrations from one client address key "<address>"
-- The name digest is sha256 of the folded name, whether or not such an account
-- exists, so the table neither reveals which names exist nor keeps what was typed.
-- attempts counts within the window that began at window_started_at: for sign-in,
-- attempts let through and not (yet) succeeded; for registration, every attempt.
-- Before blocked_until nothing more is let through (for register_address: when
-- attempts is over its limit). Attempts are counted by INSERT … ON CONFLICT DO UPDATE,
-- one statement per attempt, so that parallel attempts are counted exactly.
CREATE TABLE attempt_limits (
  scope text NOT NULL,
  key text NOT NULL,
  attempts integer NOT NULL,
  window_started_at timestamptz NOT NULL,
  blocked_until timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);

-- For the periodic purge of counters whose window and wait have both passed.
CREATE INDEX attempt_limits_window_started_at_idx ON attempt_limits (window_started_at);
