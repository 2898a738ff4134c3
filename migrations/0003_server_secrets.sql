-- Secrets generated once and shared by every instance (the server
-- secret is configured or kept here, so restarts and instances agree without setup).
CREATE TABLE server_secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
