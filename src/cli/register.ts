import { CONSENT_TEXT, CONSENT_VERSION, type ItemHashes } from '../registry/index.js';
import { ItemHashesSchema, schemaProblems } from '../server/index.js';
import { readJsonl } from './jsonl.js';
import { progress } from './progress.js';

export interface RegisterOptions {
  server: string;
  token: string | undefined;
  role: 'self' | 'representative' | 'guardian';
  adult: boolean;
  acceptConsent: boolean;
  contactEmail?: string;
  batchSize: number;
}

/**
 * `hashwatch register hashes.jsonl`: sends the fingerprints in a `hashwatch hash --json` file to a
 * hashwatch server as one case — the first batch creates it, the rest are added with the API
 * token — and prints the case reference and PIN once. Every line is checked before anything is sent.
 */
export async function registerCommand(file: string, opts: RegisterOptions): Promise<number> {
  if (!opts.acceptConsent) {
    process.stderr.write(
      `Before registering, the person must accept this statement (version ${CONSENT_VERSION}):\n\n${CONSENT_TEXT.map((l) => `  - ${l}`).join('\n')}\n\n` +
        'Run again with --accept-consent once they have.\n',
    );
    return 2;
  }
  const items: ItemHashes[] = [];
  const problems: string[] = [];
  for (const entry of await readJsonl(file)) {
    if ('error' in entry) {
      problems.push(`line ${entry.line}: ${entry.error}`);
      continue;
    }
    const value = entry.value as Record<string, unknown>;
    if (value && typeof value === 'object' && 'error' in value) continue; // a file `hash` could not read
    const found = schemaProblems(ItemHashesSchema, value);
    if (found.length) problems.push(`line ${entry.line}: ${found.join('; ')}`);
    else {
      const { file: _name, ...hashes } = value as unknown as ItemHashes & { file?: string };
      items.push({ ...hashes, blockhash: hashes.blockhash ?? null });
    }
  }
  if (problems.length) {
    process.stderr.write(
      `Nothing was sent. ${problems.length} line(s) need fixing:\n${problems.slice(0, 20).join('\n')}\n`,
    );
    return 1;
  }
  if (items.length === 0) {
    process.stderr.write('Nothing to register: the file has no hashed files.\n');
    return 1;
  }
  if (items.length > opts.batchSize && !opts.token) {
    process.stderr.write(
      `More than ${opts.batchSize} items need an API token (--token or HASHWATCH_TOKEN).\n`,
    );
    return 2;
  }
  const bar = progress(items.length, 'registering');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const consent = { version: CONSENT_VERSION, role: opts.role, adult: opts.adult, accepted: true };
  const first = await post(`${opts.server}/api/v1/cases`, headers, {
    consent,
    ...(opts.contactEmail ? { contactEmail: opts.contactEmail } : {}),
    items: items.slice(0, opts.batchSize),
  });
  const { ref, pin } = first as { ref: string; pin: string };
  bar.tick(Math.min(items.length, opts.batchSize));
  for (let i = opts.batchSize; i < items.length; i += opts.batchSize) {
    const batch = items.slice(i, i + opts.batchSize);
    await post(`${opts.server}/api/v1/cases/${ref}/items`, headers, { items: batch }).catch((err: Error) => {
      bar.stop();
      throw new Error(
        `${err.message} (case ${ref} holds the first ${i} items; re-run with the rest to add them)`,
      );
    });
    bar.tick(batch.length);
  }
  bar.stop();
  process.stdout.write(
    `Registered ${items.length} item(s).\nCase reference: ${ref}\nPIN: ${pin}\n` +
      'Keep both somewhere safe: the PIN cannot be shown again. They are needed to check the case or withdraw it.\n',
  );
  return 0;
}

async function post(url: string, headers: Record<string, string>, body: unknown): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) }).catch(
    (err: Error) => {
      throw new Error(`Could not reach ${new URL(url).origin}: ${err.message}`);
    },
  );
  const json = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!res.ok) throw new Error(`${json.error?.code ?? res.status}: ${json.error?.message ?? res.statusText}`);
  return json;
}
