import type pg from 'pg';
import type { GatePreset } from './page/age-gate.js';

/**
 * The gate preset for a host: an exact host pattern first, then `*.domain` patterns from the most
 * specific parent domain down.
 */
export async function presetForHost(db: pg.Pool, host: string): Promise<GatePreset | undefined> {
  const labels = host.toLowerCase().split('.');
  const candidates = [
    host.toLowerCase(),
    ...labels.slice(1).map((_, i) => `*.${labels.slice(i + 1).join('.')}`),
  ];
  const { rows } = await db.query(
    `SELECT host_pattern, cookies, local_storage, click_selector, load_more_selector FROM gate_presets
      WHERE host_pattern = ANY($1::text[])`,
    [candidates],
  );
  const best = candidates.map((c) => rows.find((r) => r.host_pattern === c)).find(Boolean);
  if (!best) return undefined;
  return {
    cookies: best.cookies,
    localStorage: best.local_storage,
    ...(best.click_selector ? { clickSelector: best.click_selector } : {}),
    ...(best.load_more_selector ? { loadMoreSelector: best.load_more_selector } : {}),
  };
}

/** Creates or replaces the preset of a host pattern. */
export async function upsertPreset(db: pg.Pool, hostPattern: string, preset: GatePreset): Promise<void> {
  await db.query(
    `INSERT INTO gate_presets (host_pattern, cookies, local_storage, click_selector, load_more_selector)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (host_pattern) DO UPDATE SET cookies = EXCLUDED.cookies, local_storage = EXCLUDED.local_storage,
       click_selector = EXCLUDED.click_selector, load_more_selector = EXCLUDED.load_more_selector, updated_at = now()`,
    [
      hostPattern.toLowerCase(),
      JSON.stringify(preset.cookies ?? []),
      JSON.stringify(preset.localStorage ?? {}),
      preset.clickSelector ?? null,
      preset.loadMoreSelector ?? null,
    ],
  );
}
