-- The consented registry. A case is known only by a random reference and a PIN (stored as a slow
-- hash). No media is ever stored: only fingerprints of the survivor's files.
CREATE TABLE cases (
  id bigserial PRIMARY KEY,
  ref text NOT NULL UNIQUE,
  pin_hash text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
  -- {version, role: self|representative|guardian, adult: bool, acceptedAt}
  consent jsonb NOT NULL,
  contact_email text,
  source text NOT NULL CHECK (source IN ('web', 'api', 'cli')),
  failed_pin_attempts integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  withdrawn_at timestamptz
);

-- One registered file (image or video) of a case.
CREATE TABLE registered_items (
  id bigserial PRIMARY KEY,
  case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('image', 'video')),
  width integer,
  height integer,
  duration_ms integer,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registered_items_case ON registered_items (case_id);

-- Every fingerprint of an item, one row per signal: the file digests, the PDQ of the image (and its
-- crop variants, so a cropped copy still matches), blockhash, and the PDQ of each video frame.
CREATE TABLE registered_hashes (
  id bigserial PRIMARY KEY,
  item_id bigint NOT NULL REFERENCES registered_items (id) ON DELETE CASCADE,
  case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  signal text NOT NULL CHECK (signal IN ('pdq', 'blockhash', 'md5', 'sha256')),
  value text NOT NULL CHECK (value ~ '^[0-9a-f]+$'),
  quality smallint,
  -- 'original', a crop variant name, or 'frame' for a video frame
  variant text NOT NULL DEFAULT 'original',
  frame_ms integer,
  -- per-hash disable by an analyst; flagged when it matched an allow-listed hash
  disabled_at timestamptz,
  flagged_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registered_hashes_case ON registered_hashes (case_id);
CREATE INDEX registered_hashes_item ON registered_hashes (item_id);
CREATE INDEX registered_hashes_exact ON registered_hashes (signal, value) WHERE signal IN ('md5', 'sha256');

-- Hashes known to be harmless or too generic (blank frames, logos): a registered hash that matches
-- one of these is flagged for review instead of matching everything.
CREATE TABLE allowlist_hashes (
  id bigserial PRIMARY KEY,
  signal text NOT NULL CHECK (signal IN ('pdq', 'blockhash', 'md5', 'sha256')),
  value text NOT NULL CHECK (value ~ '^[0-9a-f]+$'),
  reason text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (signal, value)
);

-- Change log that workers follow to keep their in-memory index current: NOTIFY wakes them up, and
-- a periodic read of rows after the last one they saw repairs any missed notification.
CREATE TABLE registry_changes (
  id bigserial PRIMARY KEY,
  op text NOT NULL CHECK (op IN ('add-case', 'add-items', 'withdraw-case', 'disable-hash', 'enable-hash', 'flag-hash')),
  case_id bigint,
  hash_ids bigint[],
  at timestamptz NOT NULL DEFAULT now()
);

-- Tokens for advocates and hotlines (hashwatch register / report). Only a SHA-256 of the token
-- is stored; tokens are long random strings, so a fast hash is enough.
CREATE TABLE api_tokens (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  scopes text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
