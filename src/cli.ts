import { Command, Option } from 'commander';
import { runUntilSignal } from './cli/lifecycle.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';

// Command modules are imported when their command runs, not at start-up: `main.js` alone pulls in
// fastify, BullMQ, pg and playwright (seconds of loading), and `hash` needs none of them.
const main = () => import('./main.js');

/** Every top-level command, so that a command line naming one loads that command's module only. */
const COMMANDS = [
  'serve',
  'worker',
  'up',
  'migrate',
  'hash',
  'match',
  'notices',
  'user',
  'scan',
  'audit',
  'register',
  'report',
  'token',
] as const;

/** The command asked for: the first word that is not an option (undefined for `--help`, `help`, …). */
const firstWord = process.argv.slice(2).find((a) => !a.startsWith('-'));
const asked = COMMANDS.find((c) => c === firstWord);

/**
 * Whether to define a command whose definition lives in its own (heavy) module: always for help and
 * unknown words, so `--help` lists everything; otherwise only the command asked for.
 */
const wanted = (name: (typeof COMMANDS)[number]) => asked === undefined || asked === name;

/** Everything a command needs, built lazily so `--help` works without a valid environment. */
function context(): { config: Readonly<Config>; log: Logger } {
  try {
    const config = loadConfig(process.env);
    return { config, log: createLogger(config.log.level) };
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(
        `${err.message}\nSee README.md, "Configuration", for every variable and its default.\n`,
      );
      process.exit(2);
    }
    throw err;
  }
}

const program = new Command('hashwatch')
  .description('Find copies of survivors’ images and videos by hash and get them taken down.')
  .showHelpAfterError();

program
  .command('serve')
  .description('run the HTTP API and web pages')
  .option('--no-migrate', 'do not apply database migrations at start')
  .action(async (opts: { migrate: boolean }) => {
    const { config, log } = withMigrate(context(), opts.migrate);
    const { startServer } = await main();
    await runUntilSignal(log, config.worker.shutdownGraceMs, async () => [await startServer(config, log)]);
  });

program
  .command('worker')
  .description('run queue workers (crawling, hashing, matching, notices)')
  .option('--no-migrate', 'do not apply database migrations at start')
  .addOption(new Option('--queues <names>', 'only these queues, comma-separated'))
  .action(async (opts: { migrate: boolean; queues?: string }) => {
    const { config, log } = withMigrate(context(), opts.migrate);
    const queues = opts.queues?.split(',').map((q) => q.trim());
    const { startWorker } = await main();
    await runUntilSignal(log, config.worker.shutdownGraceMs, async () => [
      await startWorker(config, log, queues ? { queues } : {}),
    ]);
  });

program
  .command('up')
  .description('run the server and a worker in one process (a quick start on one machine)')
  .action(async () => {
    const { config, log } = context();
    const { runMigrations, startServer, startWorker } = await main();
    await runUntilSignal(log, config.worker.shutdownGraceMs, async () => {
      if (config.db.migrateOnStart) await runMigrations(config, log);
      const noMigrate = { ...config, db: { ...config.db, migrateOnStart: false } };
      const server = await startServer(noMigrate, log);
      const worker = await startWorker(noMigrate, log);
      log.info({ url: `http://${config.server.host}:${config.server.port}/` }, 'hashwatch is up');
      return [server, worker];
    });
  });

program
  .command('migrate')
  .description('create the database if needed and apply pending migrations')
  .action(async () => {
    const { config, log } = context();
    await (await main()).runMigrations(config, log);
  });

if (wanted('hash')) (await import('./cli/hash.js')).addHashCommand(program, () => context().config);
if (wanted('match')) (await import('./cli/match.js')).addMatchCommand(program, () => context().config);
if (wanted('notices')) (await import('./cli/notices.js')).addNoticesCommand(program, context);
if (wanted('user')) (await import('./cli/user.js')).addUserCommand(program, () => context().config);

program
  .command('scan')
  .description('crawl one page and match what it shows against a registry file, without Redis or Postgres')
  .argument('<url>')
  .option('--registry <hashes.jsonl>', 'a registry file in the `hashwatch hash --json` format')
  .option('--depth <n>', 'same-site links to follow (0-5)', (v) => Number.parseInt(v, 10), 0)
  .option('--max-pages <n>', 'pages at most', (v) => Number.parseInt(v, 10), 10)
  .option('--timeout <seconds>', 'give up after this long', (v) => Number.parseInt(v, 10), 300)
  .option('--json', 'one JSON line per media item, then a summary line')
  .action(
    async (
      url: string,
      o: { registry?: string; depth: number; maxPages: number; timeout: number; json?: boolean },
    ) => {
      const { config } = context();
      const { scanCommand } = await import('./cli/scan.js');
      process.exitCode = await scanCommand(
        url,
        {
          ...(o.registry ? { registry: o.registry } : {}),
          depth: o.depth,
          maxPages: o.maxPages,
          timeoutSeconds: o.timeout,
          json: o.json === true,
        },
        config,
      );
    },
  );
if (wanted('audit')) (await import('./cli/audit.js')).addAuditCommand(program, () => context().config);

program
  .command('register')
  .description('register the hashes in a `hashwatch hash --json` file as one case (advocates)')
  .argument('<hashes.jsonl>')
  .addOption(
    new Option('--role <role>', 'who registers')
      .choices(['self', 'representative', 'guardian'])
      .makeOptionMandatory(),
  )
  .option('--adult', 'the person depicted confirmed they are 18 or over')
  .option('--accept-consent', 'the person read and accepted the consent statement')
  .option('--contact-email <email>', 'optional address for updates')
  .option('--server <url>', 'hashwatch server (default HASHWATCH_URL)')
  .option('--token <token>', 'API token with the register scope (default HASHWATCH_TOKEN)')
  .option('--batch-size <n>', 'items per request', (v) => Number.parseInt(v, 10), 1000)
  .action(
    async (
      file: string,
      o: {
        role: 'self' | 'representative' | 'guardian';
        adult?: boolean;
        acceptConsent?: boolean;
        contactEmail?: string;
        server?: string;
        token?: string;
        batchSize: number;
      },
    ) => {
      const { config } = context();
      const { registerCommand } = await import('./cli/register.js');
      process.exitCode = await registerCommand(file, {
        server: (o.server ?? config.client.url).replace(/\/$/, ''),
        token: o.token ?? config.client.token,
        role: o.role,
        adult: o.adult === true,
        acceptConsent: o.acceptConsent === true,
        ...(o.contactEmail ? { contactEmail: o.contactEmail } : {}),
        batchSize: o.batchSize,
      });
    },
  );

program
  .command('report')
  .description('report URLs to crawl (one, several, or a CSV file of url[,note][,depth])')
  .argument('[urls...]')
  .option('--csv <file>', 'a CSV file of url[,note][,depth]')
  .option('--note <text>', 'a note for the analysts')
  .option('--depth <n>', 'how many links deep to follow on the same site (0-5)', (v) =>
    Number.parseInt(v, 10),
  )
  .option('--json', 'one JSON line per report')
  .option('--server <url>', 'hashwatch server (default HASHWATCH_URL)')
  .option('--token <token>', 'API token with the report scope (default HASHWATCH_TOKEN)')
  .action(
    async (
      urls: string[],
      o: { csv?: string; note?: string; depth?: number; json?: boolean; server?: string; token?: string },
    ) => {
      const { config } = context();
      const { reportCommand } = await import('./cli/report.js');
      process.exitCode = await reportCommand(urls, o.csv, {
        server: (o.server ?? config.client.url).replace(/\/$/, ''),
        token: o.token ?? config.client.token,
        json: o.json === true,
        ...(o.depth !== undefined ? { depth: o.depth } : {}),
        ...(o.note ? { note: o.note } : {}),
      });
    },
  );

program
  .command('token')
  .description('API tokens for advocates and hotlines')
  .command('add')
  .description('create a token and print it once')
  .requiredOption('--name <name>', 'who the token is for')
  .requiredOption('--scope <scopes>', 'comma-separated: register, report')
  .action(async (o: { name: string; scope: string }) => {
    const { config } = context();
    const { addTokenCommand } = await import('./cli/token.js');
    process.exitCode = await addTokenCommand(
      config,
      o.name,
      o.scope
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  });

function withMigrate(ctx: { config: Readonly<Config>; log: Logger }, migrate: boolean) {
  return migrate
    ? ctx
    : { ...ctx, config: { ...ctx.config, db: { ...ctx.config.db, migrateOnStart: false } } };
}

program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  process.stderr.write(`hashwatch: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`);
  process.exit(1);
});
