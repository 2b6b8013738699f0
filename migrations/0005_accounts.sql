-- Staff accounts (analysts and admins) and their browser sessions. Survivors never have accounts:
-- they hold a case reference and PIN instead.
CREATE TABLE users (
  id bigserial PRIMARY KEY,
  -- Stored lowercased so that one person cannot end up with two accounts by capitalisation.
  email text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
  role text NOT NULL CHECK (role IN ('admin', 'analyst')),
  -- scrypt$N$r$p$salt$key (src/registry/secrets.ts); never the password itself.
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz,
  -- Failed sign-ins in a row; reaching the limit pauses the account until locked_until.
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until timestamptz
);

-- A signed-in browser. The id is the SHA-256 (hex) of the random 32-byte token in the cookie, so a
-- copy of this table cannot be replayed as cookies. csrf_secret keys the HMAC of form tokens.
CREATE TABLE sessions (
  id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- The absolute end of the session; the idle limit is checked against last_seen_at.
  expires_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  csrf_secret text NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
