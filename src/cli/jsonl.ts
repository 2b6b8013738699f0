import { readFile } from 'node:fs/promises';

/** One parsed line of a JSONL file, or why it could not be read. */
export type JsonlLine = { line: number; value: unknown } | { line: number; error: string };

/** Reads a JSONL file; blank lines are skipped, bad lines reported with their number. */
export async function readJsonl(path: string): Promise<JsonlLine[]> {
  const text = await readFile(path, 'utf8');
  const out: JsonlLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    if (!trimmed) return;
    try {
      out.push({ line: i + 1, value: JSON.parse(trimmed) });
    } catch {
      out.push({ line: i + 1, error: 'not valid JSON' });
    }
  });
  return out;
}
