import { HashwatchError } from '../errors.js';
import { type ItemHashes, Matcher, type MatchPolicy, type RegistryHashRow } from '../registry/index.js';
import { ItemHashesSchema, schemaProblems } from '../server/index.js';
import { readJsonl } from './jsonl.js';

/**
 * A registry file that cannot be used: every problem, each naming its line. Nothing is matched.
 * Code `REGISTRY_FILE_INVALID` (docs/errors.md); `details.problems` counts the problems.
 */
export class RegistryFileError extends HashwatchError {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    const shown = problems.slice(0, 20).join('\n  ');
    const more = problems.length > 20 ? `\n  … and ${problems.length - 20} more` : '';
    super('REGISTRY_FILE_INVALID', `The registry file ${file} cannot be used:\n  ${shown}${more}`, {
      status: 400,
      details: { problems: problems.length },
    });
    this.name = 'RegistryFileError';
    this.problems = problems;
  }
}

/** A registry file in memory: the matcher, and which file each registered item came from. */
export interface RegistryFile {
  matcher: Matcher;
  /** Item id (the line number) → the entry's `file`, or null when the line names none. */
  files: Map<number, string | null>;
  /** Lines that record a file `hash` could not read: not registered, reported to the user. */
  skipped: { line: number; file: string | null; code: string }[];
}

/**
 * Reads a registry file in the `hashwatch hash --json` format into a {@link Matcher}. Every line is
 * validated as the server validates a registration; one bad line rejects the whole file, so a
 * half-read registry can never report "no match" for something it should have found.
 * @throws RegistryFileError when the file is unreadable, empty, or has a bad line.
 */
export async function loadRegistryFile(path: string, policy: Partial<MatchPolicy>): Promise<RegistryFile> {
  const lines = await readJsonl(path).catch((err: NodeJS.ErrnoException) => {
    throw new RegistryFileError(path, [`cannot read it: ${err.code ?? err.message}`]);
  });
  const problems: string[] = [];
  const skipped: RegistryFile['skipped'] = [];
  const items: { line: number; file: string | null; hashes: ItemHashes }[] = [];
  for (const entry of lines) {
    if ('error' in entry) {
      problems.push(`line ${entry.line}: ${entry.error}`);
      continue;
    }
    const value = entry.value as Record<string, unknown> | null;
    const file = typeof value?.file === 'string' ? value.file : null;
    if (value && typeof value === 'object' && 'error' in value) {
      const code = (value.error as { code?: unknown } | null)?.code;
      skipped.push({ line: entry.line, file, code: typeof code === 'string' ? code : 'unknown' });
      continue;
    }
    const found = schemaProblems(ItemHashesSchema, value);
    if (found.length) problems.push(`line ${entry.line}: ${found.join('; ')}`);
    else items.push({ line: entry.line, file, hashes: value as unknown as ItemHashes });
  }
  if (problems.length) throw new RegistryFileError(path, problems);
  if (items.length === 0) throw new RegistryFileError(path, ['it holds no hashed files']);

  const matcher = new Matcher(policy);
  const files = new Map<number, string | null>();
  let nextId = 1;
  for (const item of items) {
    files.set(item.line, item.file);
    matcher.add(registryRows(item.line, item.hashes, () => nextId++));
  }
  return { matcher, files, skipped };
}

/**
 * The rows a registered item becomes, as the registry stores them (see `case.store.ts`): digests,
 * the original PDQ, one PDQ row per crop variant and one per video frame.
 */
export function registryRows(itemId: number, h: ItemHashes, nextId: () => number): RegistryHashRow[] {
  const row = (
    signal: RegistryHashRow['signal'],
    value: string,
    quality: number | null,
    variant: string,
    frameMs: number | null,
  ): RegistryHashRow => ({ id: nextId(), itemId, caseId: 0, signal, value, quality, variant, frameMs });
  const rows = [row('sha256', h.sha256, null, 'original', null), row('md5', h.md5, null, 'original', null)];
  if (h.pdq) rows.push(row('pdq', h.pdq, h.pdqQuality, 'original', null));
  if (h.blockhash) rows.push(row('blockhash', h.blockhash, null, 'original', null));
  for (const v of h.variants ?? []) rows.push(row('pdq', v.pdq, v.pdqQuality, v.name, null));
  for (const f of h.frames ?? []) rows.push(row('pdq', f.pdq, f.pdqQuality, 'frame', f.ms));
  return rows;
}
