import type { Command } from 'commander';
import type { Config } from '../config.js';
import { createDb } from '../db/index.js';
import type { Logger } from '../logger.js';
import { noticeService } from '../main.js';

/**
 * `hashwatch notices run [--send]`: builds this week's notice batch now — one notice per platform
 * for every confirmed match not yet noticed — and, with `--send` (or when NOTICE_REVIEW=false),
 * sends it. The weekly scheduler runs the same code.
 */
export function addNoticesCommand(
  program: Command,
  context: () => { config: Readonly<Config>; log: Logger },
): void {
  program
    .command('notices')
    .description('takedown notices (`notices run`)')
    .command('run')
    .description('build the notice batch now; send it with --send or when NOTICE_REVIEW=false')
    .option('--send', 'send the notices instead of leaving them as drafts for review')
    .action(async (o: { send?: boolean }) => {
      const { config, log } = context();
      const db = createDb(config.db.url, 2);
      const { notices, close } = noticeService(config, db, log);
      try {
        const summary = await notices.runBatch({
          now: new Date(),
          send: o.send === true || !config.notices.review,
        });
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      } finally {
        close();
        await db.pool.end();
      }
    });
}
