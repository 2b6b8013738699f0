-- Reports, crawled pages, media locations and their fingerprints, and matches. Only hashes and
-- metadata are stored: the bytes of every downloaded file are dropped after hashing.

CREATE TABLE reports (
  id bigserial PRIMARY KEY,
  url text NOT NULL,
  normalized_url text NOT NULL,
  note text,
  case_id bigint REFERENCES cases (id) ON DELETE SET NULL,
  depth smallint NOT NULL DEFAULT 1 CHECK (depth BETWEEN 0 AND 5),
  source text NOT NULL CHECK (source IN ('api', 'web', 'cli', 'csv', 'recheck')),
  reporter text,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'crawling', 'done', 'failed')),
  failure_code text,
  failure_reason text,
  -- a report of a URL already crawled within the dedup window points at that report instead
  duplicate_of bigint REFERENCES reports (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX reports_normalized ON reports (normalized_url, created_at DESC);

CREATE TABLE pages (
  id bigserial PRIMARY KEY,
  report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
  url text NOT NULL,
  normalized_url text NOT NULL,
  depth smallint NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'crawling', 'done', 'failed', 'gone')),
  http_status smallint,
  failure_code text,
  failure_reason text,
  media_found integer NOT NULL DEFAULT 0,
  links_found integer NOT NULL DEFAULT 0,
  crawled_at timestamptz,
  UNIQUE (report_id, normalized_url)
);

-- The fingerprints of one distinct file (by SHA-256). Many locations can share one content.
CREATE TABLE contents (
  id bigserial PRIMARY KEY,
  sha256 text NOT NULL UNIQUE,
  md5 text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('image', 'video')),
  pdq text,
  pdq_quality smallint,
  -- the 8 rotations/flips of an image's PDQ, so a later registration matches a mirrored copy too
  pdq_dihedral jsonb,
  blockhash text,
  width integer,
  height integer,
  duration_ms integer,
  bytes bigint NOT NULL,
  hashed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contents_md5 ON contents (md5);

CREATE TABLE content_frames (
  content_id bigint NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
  ms integer NOT NULL,
  pdq text NOT NULL,
  pdq_quality smallint NOT NULL,
  PRIMARY KEY (content_id, ms)
);

-- A media location (URL) seen on crawled pages; its content once downloaded and hashed.
CREATE TABLE media (
  id bigserial PRIMARY KEY,
  url text NOT NULL,
  normalized_url text NOT NULL UNIQUE,
  host text NOT NULL,
  kind_hint text,
  content_id bigint REFERENCES contents (id),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'hashed', 'failed', 'gone')),
  failure_code text,
  failure_reason text,
  http_status smallint,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  last_verified_at timestamptz
);
CREATE INDEX media_content ON media (content_id);

CREATE TABLE page_media (
  page_id bigint NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
  media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  via text NOT NULL,
  PRIMARY KEY (page_id, media_id)
);
CREATE INDEX page_media_media ON page_media (media_id);

-- A crawled media location that matched a registered item of a case. One row per media and case.
CREATE TABLE matches (
  id bigserial PRIMARY KEY,
  media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  item_id bigint REFERENCES registered_items (id) ON DELETE SET NULL,
  signal text NOT NULL,
  distance smallint NOT NULL,
  score real NOT NULL,
  variant text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  state text NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'confirmed', 'rejected', 'escalated', 'withdrawn')),
  created_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  UNIQUE (media_id, case_id)
);
CREATE INDEX matches_pending ON matches (score DESC, id) WHERE state = 'pending';
CREATE INDEX matches_case ON matches (case_id);
