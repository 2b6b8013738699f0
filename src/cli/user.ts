import { userInfo } from 'node:os';
import { type Command, Option } from 'commander';
import type { Config } from '../config.js';
import { createDb } from '../db/index.js';
import { isHashwatchError } from '../errors.js';
import { AccountService, ROLES, type Role } from '../server/accounts/index.js';

/** Who ran a CLI command, for the audit log: the operating-system account, which is all we know. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** Runs `fn` with an account service on a one-connection pool; coded client errors become exit 1. */
async function withAccounts(
  config: Readonly<Config>,
  fn: (a: AccountService) => Promise<void>,
): Promise<number> {
  const db = createDb(config.db.url, 1);
  try {
    await fn(new AccountService(db));
    return 0;
  } catch (err) {
    if (isHashwatchError(err) && err.status < 500) {
      process.stderr.write(`hashwatch user: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await db.pool.end();
  }
}

/** `hashwatch user add|disable|list`: staff accounts. Passwords are printed once, never stored. */
export function addUserCommand(program: Command, config: () => Readonly<Config>): void {
  const user = program.command('user').description('manage analyst and admin accounts');
  user
    .command('add')
    .description('create an account and print its password once')
    .addOption(new Option('--role <role>', 'what the account may do').choices(ROLES).makeOptionMandatory())
    .argument('<email>')
    .action(async (email: string, o: { role: Role }) => {
      process.exitCode = await withAccounts(config(), async (accounts) => {
        const created = await accounts.addUser(email, o.role, cliActor());
        process.stdout.write(
          `Created ${created.role} account for ${created.email}.\n` +
            'Password (shown only now; pass it on by a safe channel, e.g. in person or by phone):\n' +
            `${created.password}\n`,
        );
      });
    });
  user
    .command('disable')
    .description('disable an account and end its sessions at once')
    .argument('<email>')
    .action(async (email: string) => {
      process.exitCode = await withAccounts(config(), async (accounts) => {
        const r = await accounts.disableUser(email, cliActor());
        process.stdout.write(
          `Disabled ${r.email}; ${r.sessionsEnded} session${r.sessionsEnded === 1 ? '' : 's'} ended.\n`,
        );
      });
    });
  user
    .command('list')
    .description('list accounts (never passwords)')
    .action(async () => {
      process.exitCode = await withAccounts(config(), async (accounts) => {
        for (const u of await accounts.listUsers()) {
          const state = u.disabledAt ? `disabled ${u.disabledAt.toISOString()}` : 'active';
          process.stdout.write(`${u.email}\t${u.role}\t${state}\tcreated ${u.createdAt.toISOString()}\n`);
        }
      });
    });
}
