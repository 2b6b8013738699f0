import type { Command } from 'commander';
import type { Config } from '../config.js';
import { createDb } from '../db/index.js';
import { type AuditVerification, verifyAudit } from '../server/audit/index.js';

/** One line a person can act on. */
export function describeVerification(v: AuditVerification): string {
  if (v.ok) {
    return `Audit log OK: ${v.count} entr${v.count === 1 ? 'y' : 'ies'}, chain intact. Last hash: ${v.head}`;
  }
  const why =
    v.reason === 'hash'
      ? 'its content does not match its hash (the entry was changed)'
      : 'it does not link to the entry before it (an entry was removed or reordered)';
  return `Audit log BROKEN at entry ${v.brokenAt}: ${why}. The ${v.count} entries before it are intact.`;
}

/** `hashwatch audit verify [--json]`: checks the audit log's hash chain; exit 1 when broken. */
export function addAuditCommand(program: Command, config: () => Readonly<Config>): void {
  program
    .command('audit')
    .description('the append-only audit log')
    .command('verify')
    .description('check the hash chain of the audit log; exits 1 when it is broken')
    .option('--json', 'print the result as one JSON object')
    .action(async (o: { json?: boolean }) => {
      const db = createDb(config().db.url, 1);
      try {
        const v = await verifyAudit(db);
        process.stdout.write(`${o.json ? JSON.stringify(v) : describeVerification(v)}\n`);
        process.exitCode = v.ok ? 0 : 1;
      } finally {
        await db.pool.end();
      }
    });
}
