-- Per-platform ways past age and consent gates, tried before the generic "I am 18 / Enter" search:
-- cookies or localStorage entries that the platform sets once the gate is passed, or a selector to
-- click, and a selector for "load more" buttons.
CREATE TABLE gate_presets (
  id bigserial PRIMARY KEY,
  -- a host name; "*.example.com" also covers every subdomain
  host_pattern text NOT NULL UNIQUE,
  cookies jsonb NOT NULL DEFAULT '[]'::jsonb,
  local_storage jsonb NOT NULL DEFAULT '{}'::jsonb,
  click_selector text,
  load_more_selector text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
