-- The second-analyst rule: each analyst's confirmation of a match, once per analyst. A match becomes
-- 'confirmed' only when TRIAGE_CONFIRMATIONS distinct analysts have confirmed it (default 1).
CREATE TABLE match_confirmations (
  match_id bigint NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
  actor text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (match_id, actor)
);
