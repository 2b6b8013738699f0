import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { ItemMatch } from '../registry/index.js';
import { forEachHashed, hashingFromConfig, type LocalResult } from './hash.js';
import type { RegistryFile } from './registry-file.js';

/** One match as `hashwatch match` prints it: the registry entry's file instead of internal ids. */
export type FileMatch = { file: string | null; line: number } & Omit<ItemMatch, 'itemId' | 'caseId'>;

/** The matches of one hashed input, named by the registry files they came from. */
export function describeMatches(registry: RegistryFile, matches: ItemMatch[]): FileMatch[] {
  return matches.map(({ itemId, caseId: _case, ...rest }) => ({
    file: registry.files.get(itemId) ?? null,
    line: itemId,
    ...rest,
  }));
}

/**
 * `hashwatch match --registry <hashes.jsonl> [--json] <file|dir>...`: hashes each input as the
 * crawler's workers do (images with the 8 dihedral PDQs, in worker threads; videos frame by frame)
 * and matches it with the workers' thresholds. Exit 2 when the registry file cannot be used, 1 when
 * an input could not be hashed, else 0 (with or without matches).
 */
export async function matchCommand(
  registryPath: string,
  inputs: string[],
  json: boolean,
  config: Readonly<Config>,
): Promise<number> {
  // Loaded when the command runs: `main.js` and the registry schemas are heavy, and `scan` and
  // `--help` load this module without needing them.
  const [{ matchPolicy }, { loadRegistryFile, RegistryFileError }] = await Promise.all([
    import('../main.js'),
    import('./registry-file.js'),
  ]);
  let registry: RegistryFile;
  try {
    registry = await loadRegistryFile(registryPath, matchPolicy(config));
  } catch (err) {
    if (!(err instanceof RegistryFileError)) throw err;
    process.stderr.write(`${err.message}\nNothing was matched.\n`);
    return 2;
  }
  for (const s of registry.skipped)
    process.stderr.write(
      `registry line ${s.line}: skipped, ${s.file ?? 'the file'} was not hashed (${s.code})\n`,
    );
  const settings = hashingFromConfig(config);
  const hashing = { ...settings, image: { ...settings.image, dihedral: true } };
  let matched = 0;
  const { total, failed } = await forEachHashed(inputs, hashing, 'matching', (r: LocalResult) => {
    if ('error' in r) {
      if (json) process.stdout.write(`${JSON.stringify({ file: r.file, error: r.error })}\n`);
      else process.stderr.write(`${r.file}: ${r.error.code}: ${r.error.message}\n`);
      return;
    }
    const matches = describeMatches(registry, registry.matcher.match(r.hashes));
    if (matches.length) matched++;
    if (json) process.stdout.write(`${JSON.stringify({ file: r.file, matches })}\n`);
    else process.stdout.write(`${humanLine(r.file, matches)}\n`);
  });
  if (total === 0) process.stderr.write('Nothing to match: no files found.\n');
  else if (!json) process.stderr.write(`${matched} of ${total} file(s) matched the registry.\n`);
  if (failed > 0) process.stderr.write(`${failed} of ${total} file(s) could not be hashed.\n`);
  return total === 0 || failed > 0 ? 1 : 0;
}

function humanLine(file: string, matches: FileMatch[]): string {
  if (matches.length === 0) return `${file}: no match`;
  const each = matches.map((m) => {
    const how = [m.signal, `distance ${m.distance}`, m.variant !== 'original' ? m.variant : null, m.dihedral];
    return `${m.file ?? `registry line ${m.line}`} (${how.filter(Boolean).join(', ')})`;
  });
  return `${file}: ${each.join('; ')}`;
}

/** Adds `match` to the program; `config` is read only when the command runs. */
export function addMatchCommand(program: Command, config: () => Readonly<Config>): void {
  program
    .command('match')
    .description('match local files against a registry file (the `hash --json` format); sends nothing')
    .requiredOption('--registry <hashes.jsonl>', 'registered hashes, one `hashwatch hash --json` line each')
    .argument('<paths...>', 'files or directories (searched recursively, hidden files skipped)')
    .option('--json', 'one JSON object per line per input: {"file", "matches": [...]}')
    .action(async (paths: string[], o: { registry: string; json?: boolean }) => {
      process.exitCode = await matchCommand(o.registry, paths, o.json === true, config());
    });
}
