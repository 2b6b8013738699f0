-- The platform directory and the takedown notices sent to platforms. A notice names the survivor
-- only by case reference: nothing here holds a case's contact details.

CREATE TABLE platforms (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  abuse_email text,
  webform_url text,
  -- where an NGO recognised as a trusted flagger (DSA Art. 22) files notices, if the platform has one
  trusted_flagger_channel text,
  jurisdictions text[] NOT NULL DEFAULT '{}' CHECK (jurisdictions <@ ARRAY['EU', 'US', 'UK']::text[]),
  -- only English notices exist so far; the column is here so that adding a language is data, not schema
  language text NOT NULL DEFAULT 'en' CHECK (language IN ('en')),
  preferred_format text NOT NULL DEFAULT 'email' CHECK (preferred_format IN ('email', 'webform')),
  -- the hosting provider, contacted when the platform ignores a notice
  escalation_name text,
  escalation_email text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Host patterns of a platform: a host name, or "*.domain" for every subdomain of domain. A pattern
-- belongs to one platform; the most specific pattern wins when several cover a host.
CREATE TABLE platform_hosts (
  pattern text PRIMARY KEY CHECK (pattern = lower(pattern)),
  platform_id bigint NOT NULL REFERENCES platforms (id) ON DELETE CASCADE
);
CREATE INDEX platform_hosts_platform ON platform_hosts (platform_id);

-- One notice to one platform: the record that was (or will be) sent is kept as JSON so that what a
-- platform received can always be shown again exactly.
CREATE TABLE notices (
  id bigserial PRIMARY KEY,
  ref text NOT NULL UNIQUE,
  platform_id bigint NOT NULL REFERENCES platforms (id),
  -- 1 for the first notice; 2+ for follow-ups on items still online after the deadline
  level smallint NOT NULL DEFAULT 1 CHECK (level >= 1),
  -- draft: built, waiting (review mode) · sending: claimed by one sender, at most one send happens ·
  -- sent · failed: SMTP refused, may be retried · export: text ready to paste into a web form ·
  -- cancelled: nothing left to send (every item's case was withdrawn or the match reverted)
  status text NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'sending', 'sent', 'failed', 'export', 'cancelled')),
  body jsonb NOT NULL,
  deadline_hours integer NOT NULL CHECK (deadline_hours > 0),
  deadline_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  sent_at timestamptz,
  message_id text,
  recipients text[],
  failure_reason text,
  export_text text,
  -- SHA-256 of the acknowledgement token in the /n/<token> link; the token itself is never stored
  ack_token_hash text UNIQUE,
  acknowledged_at timestamptz,
  decision text CHECK (decision IN ('removed', 'not_removed')),
  decision_reason text,
  decided_at timestamptz
);
CREATE INDEX notices_status ON notices (status, created_at);
CREATE INDEX notices_platform ON notices (platform_id, created_at DESC);

-- The matches a notice covers. A match is in at most one notice per level, so a batch that runs
-- twice (or two batches at once) never notifies the same match twice.
CREATE TABLE notice_items (
  notice_id bigint NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
  match_id bigint NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
  media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  level smallint NOT NULL CHECK (level >= 1),
  -- set by the recheck when the URL no longer serves the content (time to removal = removed_at - sent_at)
  removed_at timestamptz,
  PRIMARY KEY (notice_id, match_id),
  UNIQUE (match_id, level)
);
CREATE INDEX notice_items_media ON notice_items (media_id);
