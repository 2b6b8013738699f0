import { readFile } from 'node:fs/promises';
import { progress } from './progress.js';

export interface ReportOptions {
  server: string;
  token: string | undefined;
  depth?: number;
  note?: string;
  json: boolean;
}

interface Row {
  line: number;
  url: string;
  note?: string;
  depth?: number;
}

/**
 * `hashwatch report <url>` and `hashwatch report --csv file.csv`: sends reports to a hashwatch
 * server. A CSV row that cannot be read, or that the server refuses, is reported with its line
 * number and the others still go through; the exit code is non-zero if any failed.
 */
export async function reportCommand(
  urls: string[],
  csv: string | undefined,
  opts: ReportOptions,
): Promise<number> {
  const rows: Row[] = urls.map((url, i) => ({ line: i + 1, url, ...(opts.note ? { note: opts.note } : {}) }));
  const problems: string[] = [];
  if (csv) rows.push(...parseCsv(await readFile(csv, 'utf8'), problems));
  if (rows.length === 0 && problems.length === 0) {
    process.stderr.write('Nothing to report: give a URL or --csv file.csv\n');
    return 2;
  }
  const bar = progress(rows.length, 'reporting');
  let ok = 0;
  for (const row of rows) {
    const result = await send(opts, row);
    bar.tick();
    if ('error' in result) problems.push(`${csv ? `line ${row.line}` : row.url}: ${result.error}`);
    else {
      ok++;
      if (opts.json) process.stdout.write(`${JSON.stringify({ url: row.url, ...result })}\n`);
      else
        process.stdout.write(
          `${row.url} → report ${result.id}${result.duplicateOf ? ` (already checked recently: report ${result.duplicateOf})` : ''}\n`,
        );
    }
  }
  bar.stop();
  if (problems.length) process.stderr.write(`${problems.length} not reported:\n${problems.join('\n')}\n`);
  process.stderr.write(`${ok} reported.\n`);
  return problems.length ? 1 : 0;
}

/** `url[,note][,depth]` per line; a first line starting with `url` is a header. Quotes as in RFC 4180. */
export function parseCsv(text: string, problems: string[]): Row[] {
  const rows: Row[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim() || (i === 0 && /^\s*"?url"?\s*(,|$)/i.test(raw))) return;
    const cells = splitCsvLine(raw);
    const [url = '', note, depth] = cells.map((c) => c.trim());
    if (!/^https?:\/\//i.test(url)) {
      problems.push(`line ${line}: "${url.slice(0, 80)}" is not an http(s) address`);
      return;
    }
    if (depth && !/^[0-5]$/.test(depth)) {
      problems.push(`line ${line}: depth must be a whole number from 0 to 5`);
      return;
    }
    rows.push({ line, url, ...(note ? { note } : {}), ...(depth ? { depth: Number(depth) } : {}) });
  });
  return rows;
}

function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cur);
      cur = '';
    } else cur += ch;
  }
  cells.push(cur);
  return cells;
}

async function send(
  opts: ReportOptions,
  row: Row,
): Promise<{ id: number; duplicateOf: number | null } | { error: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const body = {
    url: row.url,
    ...(row.note ? { note: row.note } : {}),
    ...((row.depth ?? opts.depth) !== undefined ? { depth: row.depth ?? opts.depth } : {}),
  };
  try {
    const res = await fetch(`${opts.server}/api/v1/reports`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as {
      id?: number;
      duplicateOf?: number | null;
      error?: { code: string; message: string };
    };
    if (!res.ok)
      return { error: `${json.error?.code ?? res.status}: ${json.error?.message ?? res.statusText}` };
    return { id: json.id ?? 0, duplicateOf: json.duplicateOf ?? null };
  } catch (err) {
    return { error: `could not reach ${opts.server}: ${(err as Error).message}` };
  }
}
