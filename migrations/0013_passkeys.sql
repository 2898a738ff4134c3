-- Passkeys (WebAuthn). Migration 0012 belongs to a change made alongside this one.
--
-- webauthn_challenges: one row per ceremony begun (a passkey added, a sign-in, a
-- confirmation of a signed-in user), so that a ceremony begun on one instance can be
-- finished on another. A row is taken by one DELETE … RETURNING that also checks its
-- purpose, its user and session, its challenge and its expiry: it is used once at most,
-- even by two instances at once. id is the random handle the browser holds in a
-- short-lived cookie; challenge is what the authenticator signs (base64url). A
-- challenge for a signed-in user goes with the account and with the session it was
-- made for. The purge deletes the expired rows.
CREATE TABLE webauthn_challenges (
  id text PRIMARY KEY,
  challenge text NOT NULL,
  purpose text NOT NULL CHECK (purpose IN ('register', 'sign_in', 'reauthenticate')),
  user_id bigint REFERENCES users (id) ON DELETE CASCADE,
  session_id text REFERENCES sessions (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX webauthn_challenges_expires_at ON webauthn_challenges (expires_at);
CREATE INDEX webauthn_challenges_user_id ON webauthn_challenges (user_id);
CREATE INDEX webauthn_challenges_session_id ON webauthn_challenges (session_id);

-- passkeys: the credentials. id is the credential ID (base64url) the authenticator
-- names it by; public_key the COSE key. counter is the signature counter last seen:
-- it is moved by one conditional UPDATE (compare and set), so of two sign-ins with
-- one assertion, or with a cloned authenticator, at most one moves it.
CREATE TABLE passkeys (
  id text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  public_key bytea NOT NULL,
  counter bigint NOT NULL CHECK (counter >= 0),
  transports text[] NOT NULL DEFAULT '{}',
  device_type text NOT NULL,
  backed_up boolean NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL,
  last_used_at timestamptz
);
CREATE INDEX passkeys_user_id ON passkeys (user_id, created_at);
