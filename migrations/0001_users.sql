-- Accounts. username is the name as first typed (shown); username_key is its
-- NFKC + case-folded form, and its UNIQUE constraint is what makes names unique:
-- registration inserts and lets the constraint refuse a duplicate (no check-then-insert).
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username text NOT NULL,
  username_key text NOT NULL,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT users_username_key_unique UNIQUE (username_key)
);
