import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import {
  BrowserPool,
  CRAWLER_JOBS,
  type CrawlerDeps,
  crawlPageJob,
  crawlPageProcessor,
  type DownloadLimits,
  fetchMediaJob,
  fetchMediaProcessor,
  GuardedFetcher,
  Politeness,
  presetForHost,
  ReportService,
  recheckProcessor,
  recordAbandonedJob,
  retroMatchJob,
  retroMatchProcessor,
  startSweeper,
  startVettingProxy,
} from './crawler/index.js';
import { createDb, type Db, ensureDatabase, isDatabaseUnavailable, migrate, pingDb } from './db/index.js';
import { HashPool } from './hashing/index.js';
import type { Logger } from './logger.js';
import {
  createRedisConnection,
  handle,
  JobRegistry,
  Producer,
  pingRedis,
  WorkerHost,
} from './queue/index.js';
import { CaseService, type MatchPolicy, RegistrySync } from './registry/index.js';
import {
  createSmtpMailer,
  forgetCaseInNotices,
  JURISDICTIONS,
  type Jurisdiction,
  NoticeService,
  noticeAckRoutes,
  noticeBatchJob,
  noticeBatchProcessor,
  REPORTS_JOBS,
  recheckJob,
  removalStats,
  reuploadNoticeJob,
  reuploadNoticeProcessor,
} from './reports/index.js';
import {
  AccountService,
  appendAudit,
  caseRoutes,
  createServer,
  loadAssets,
  loginRoutes,
  reportPage,
  reportRoutes,
  type Server,
  sessionPlugin,
  webRoutes,
} from './server/index.js';
import { noticesPage } from './server/notices/index.js';
import { platformsPage, seedPlatformDirectory } from './server/platforms/index.js';
import { cachedRemovalStats, statsPage, statsRoutes } from './server/stats/index.js';
import { type AllowlistEntry, triagePage, triageRoutes } from './server/triage/index.js';

/**
 * The composition root: the only place that builds pools, Redis connections and the stages, and
 * wires them together. Each `start*` returns a handle whose `close()` releases exactly what it made.
 */
export interface Running {
  close(): Promise<void>;
}

/** Every job kind of the system. */
export function jobRegistry(): JobRegistry {
  return new JobRegistry([...CRAWLER_JOBS, ...REPORTS_JOBS]);
}

/** Download and hashing limits of one media item, shared by workers and `hashwatch scan`. */
export function downloadLimits(config: Readonly<Config>): DownloadLimits {
  return {
    maxImageBytes: config.hashing.maxImageBytes,
    maxImagePixels: config.hashing.maxImagePixels,
    maxVideoBytes: config.crawler.maxVideoBytes,
    imageTimeoutMs: 60_000,
    videoTimeoutMs: config.crawler.videoTimeoutMs,
    maxVideoSeconds: config.hashing.maxVideoSeconds,
    ffmpegPath: config.hashing.ffmpegPath,
  };
}

/**
 * The notice service and its mailer (none without SMTP_URL: email notices then stay drafts).
 * `now` replaces the system clock (tests advance a fake one by days).
 */
export function noticeService(
  config: Readonly<Config>,
  db: Db,
  log: Logger,
  now?: () => Date,
): { notices: NoticeService; close(): void } {
  const n = config.notices;
  const mailer = n.smtpUrl ? createSmtpMailer(n.smtpUrl) : undefined;
  const notices = new NoticeService({
    db,
    log: log.child({ component: 'notices' }),
    mailer,
    now,
    settings: {
      escalateAfter: n.escalateAfter,
      sender: n.sender,
      dmca: n.dmca,
      deadlines: {
        defaultHours: n.defaultHours,
        statutoryHours: n.statutoryHours,
        statutoryJurisdictions: n.statutoryJurisdictions.filter((j): j is Jurisdiction =>
          (JURISDICTIONS as readonly string[]).includes(j),
        ),
      },
      publicUrl: n.publicUrl,
    },
  });
  return { notices, close: () => mailer?.close() };
}

/** The SSRF-guarded media downloader, with the crawler's address policy: workers and triage previews. */
export function mediaFetcher(config: Readonly<Config>): GuardedFetcher {
  const c = config.crawler;
  return new GuardedFetcher({
    allowPrivateNetworks: c.allowPrivateNetworks,
    allowHosts: c.allowHosts,
    maxRedirects: c.maxRedirects,
  });
}

/** Creates the database if needed and applies pending migrations. */
export async function runMigrations(config: Readonly<Config>, log: Logger): Promise<void> {
  if (await ensureDatabase(config.db.url))
    log.info({ database: config.db.url.split('/').pop() }, 'database created');
  const db = createDb(config.db.url, 1);
  try {
    const result = await migrate(db.pool, {
      onApply: (m) => log.info({ version: m.version, name: m.name }, 'migration applied'),
    });
    log.info(
      { applied: result.applied.length, alreadyApplied: result.alreadyApplied },
      'database is up to date',
    );
  } finally {
    await db.pool.end();
  }
}

/** The match thresholds from configuration, shared by workers and `hashwatch match`. */
export function matchPolicy(config: Readonly<Config>): MatchPolicy {
  return {
    pdqThreshold: config.matching.pdqThreshold,
    pdqQualityGate: config.matching.pdqQualityGate,
    videoMatchPercent: config.matching.videoMatchPercent,
    blockhashThreshold: config.matching.blockhashThreshold,
    blockhashPdqCeiling: config.matching.blockhashPdqCeiling,
    dihedral: true,
  };
}

/** Case and report services over a producer: what the API and the CLI share. */
function services(config: Readonly<Config>, db: Db, producer: Producer, log: Logger) {
  const cases = new CaseService(
    db,
    { maxAttempts: config.cases.pinMaxAttempts, lockMs: config.cases.pinLockMs },
    { pdq: config.matching.pdqThreshold, blockhash: config.matching.blockhashThreshold },
    async (caseId, changeId) => {
      await producer.enqueue(retroMatchJob, { caseId, changeId }).catch((err: Error) => {
        log.warn({ caseId, err: err.message }, 'retroactive matching not queued; the sweeper will retry');
        throw err;
      });
    },
    { notices: forgetCaseInNotices, audit: appendAudit },
  );
  const reports = new ReportService(
    db,
    async (reportId, pageId) => {
      await producer.enqueue(crawlPageJob, { reportId, pageId });
    },
    { dedupWindowMs: config.crawler.reportDedupMs, maxDepth: config.crawler.maxDepth },
  );
  return { cases, reports };
}

/** Starts the HTTP API and web pages. */
export async function startServer(config: Readonly<Config>, log: Logger): Promise<Running & { app: Server }> {
  if (config.db.migrateOnStart) await runMigrations(config, log);
  const db = createDb(config.db.url, config.db.poolSize);
  const redis = createRedisConnection(config.redis.url, 'producer', 'hashwatch-serve');
  const producer = new Producer(jobRegistry(), redis, config.redis.prefix);
  const { cases, reports } = services(config, db, producer, log);
  // Live triage previews download through the same guarded fetcher, policy and limits as workers.
  const previewFetcher = mediaFetcher(config);
  const triage = {
    db,
    allowlist: (e: AllowlistEntry) => cases.allowlist(e),
    confirmations: config.triage.confirmations,
    preview: { fetcher: previewFetcher, limits: downloadLimits(config) },
  };
  const notices = noticeService(config, db, log);
  if (config.notices.platformsFile) await seedPlatformDirectory(db, config.notices.platformsFile, log);
  // One cached source for /metrics (unauthenticated), /stats and /api/v1/stats.
  const removal = cachedRemovalStats((now) => removalStats(db.pool, now));
  const statsOptions = {
    removalStats: removal,
    timing: {
      deadlineHours: Math.min(config.notices.defaultHours, config.notices.statutoryHours),
      recheckEveryMs: config.notices.recheckEveryMs,
    },
  };
  const assets = await loadAssets();
  const a = config.accounts;
  const accounts = new AccountService(db, {
    maxFailedLogins: a.maxFailedLogins,
    lockMs: a.lockMs,
    sessionIdleMs: a.sessionIdleMs,
    sessionMaxMs: a.sessionMaxMs,
  });
  const app = await createServer({
    log: log.child({ component: 'server' }),
    queues: producer,
    stats: { removalStats: removal },
    checks: [
      { name: 'postgres', check: () => pingDb(db) },
      { name: 'redis', check: () => pingRedis(redis) },
    ],
    plugins: [
      // First: it decorates the root so that requireUser works in every sibling plugin.
      { plugin: sessionPlugin({ accounts, cookieSecure: a.cookieSecure }) },
      { prefix: '/api/v1', plugin: (api) => triageRoutes(api, triage) },
      { prefix: '/api/v1', plugin: (api) => statsRoutes(api, statsOptions) },
      {
        prefix: '/api/v1',
        plugin: (api) =>
          caseRoutes(api, {
            cases,
            pool: db.pool,
            lookupsPerMinute: config.cases.lookupsPerMinute,
            registrationsPerHour: config.cases.registrationsPerHour,
          }),
      },
      {
        prefix: '/api/v1',
        plugin: (api) =>
          reportRoutes(api, {
            reports,
            pool: db.pool,
            maxDepth: config.crawler.maxDepth,
            anonymousPerHour: 30,
          }),
      },
      {
        plugin: async (web) => {
          // One instance, so the security headers installed by webRoutes cover /report too.
          await webRoutes(web, { assets });
          await reportPage(web, { reports, maxDepth: config.crawler.maxDepth, perHour: 30 });
          await web.register(loginRoutes, { attemptsPerMinute: a.loginAttemptsPerMinute, afterLogin: '/' });
          await noticeAckRoutes(web, { pool: db.pool });
          await triagePage(web, triage);
          await noticesPage(web, { db, notices: notices.notices });
          await platformsPage(web, { db });
          await statsPage(web, statsOptions);
        },
      },
    ],
  });
  await app.listen({ host: config.server.host, port: config.server.port });
  return {
    app,
    async close() {
      await app.close();
      await previewFetcher.close();
      notices.close();
      await producer.close();
      await closeAll(db, redis);
    },
  };
}

/** Starts queue workers for the given queues (default: all). */
export async function startWorker(
  config: Readonly<Config>,
  log: Logger,
  options: { queues?: string[]; now?: () => Date } = {},
): Promise<Running> {
  if (config.db.migrateOnStart) await runMigrations(config, log);
  const db = createDb(config.db.url, config.db.poolSize);
  const redis = createRedisConnection(config.redis.url, 'worker', 'hashwatch-worker');
  const registry = jobRegistry();
  const producer = new Producer(registry, redis, config.redis.prefix);
  const registrySync = new RegistrySync({
    db,
    databaseUrl: config.db.url,
    log: log.child({ component: 'registry' }),
    policy: matchPolicy(config),
    checkpointMs: config.matching.checkpointMs,
  });
  await registrySync.start();
  const c = config.crawler;
  const policy = { allowPrivateNetworks: c.allowPrivateNetworks, allowHosts: c.allowHosts };
  const proxy = await startVettingProxy(policy);
  const browsers = new BrowserPool({
    executablePath: c.chromiumPath,
    proxyUrl: proxy.url,
    recycleAfter: c.browserRecyclePages,
    maxRssBytes: c.browserMaxRssBytes,
  });
  const fetcher = mediaFetcher(config);
  // PDQ and blockhash are pure JS: in threads, so a 4 MP image never stalls the job locks.
  const hashPool = new HashPool();
  const notices = noticeService(config, db, log, options.now);
  const deps: CrawlerDeps = {
    db,
    log,
    browsers,
    fetcher,
    politeness: new Politeness(redis, config.redis.prefix, {
      pagesPerHost: c.hostConcurrentPages,
      requestsPerSecond: c.hostRequestsPerSecond,
      pageSlotTtlSec: Math.ceil(c.pageTimeoutMs / 1000) + 30,
    }),
    policy,
    matcher: () => registrySync.matcher,
    enqueuePage: async (reportId, pageId) =>
      void (await producer.enqueue(crawlPageJob, { reportId, pageId })),
    enqueueMedia: async (mediaId) => void (await producer.enqueue(fetchMediaJob, { mediaId, round: 0 })),
    preset: (host) => presetForHost(db.pool, host),
    hashImage: (bytes, opts) => hashPool.hashImage(bytes, opts),
    settings: {
      maxPages: c.maxPages,
      page: {
        timeoutMs: c.pageTimeoutMs,
        maxScrollMs: c.scrollMs,
        maxScrollHeight: 200_000,
        maxMedia: c.maxMediaPerPage,
        idleMs: 1_500,
        maxBytes: c.pageMaxBytes,
        maxPopups: c.maxPopups,
        maxRedirects: c.maxRedirects,
        policy,
      },
      download: downloadLimits(config),
    },
  };
  const host = new WorkerHost({
    registry,
    handlers: [
      handle(crawlPageJob, crawlPageProcessor(deps)),
      handle(fetchMediaJob, fetchMediaProcessor(deps)),
      handle(retroMatchJob, retroMatchProcessor({ db, policy: matchPolicy(config) })),
      handle(
        noticeBatchJob,
        noticeBatchProcessor({ notices: notices.notices, send: !config.notices.review }),
      ),
      handle(
        reuploadNoticeJob,
        reuploadNoticeProcessor({ notices: notices.notices, send: !config.notices.review }),
      ),
      handle(
        recheckJob,
        recheckProcessor({
          ...deps,
          notices: notices.notices,
          matcher: () => registrySync.matcher,
          send: !config.notices.review,
          maxLevel: config.notices.maxLevel,
          now: () => notices.notices.now(),
        }),
      ),
    ],
    connection: redis,
    prefix: config.redis.prefix,
    concurrency: config.worker.concurrency,
    graceMs: config.worker.shutdownGraceMs,
    lockMs: config.worker.lockMs,
    // Postgres restarting is an outage, not a bad job: wait for it without using up attempts.
    isOutage: isDatabaseUnavailable,
    onAbandoned: (job) => recordAbandonedJob(deps, job),
    log: log.child({ component: 'worker' }),
    ...(options.queues ? { queues: options.queues } : {}),
  });
  await host.start();
  // One scheduler for every worker: BullMQ keeps a single repeatable schedule per id in Redis.
  await producer
    .queue(noticeBatchJob.queue)
    .upsertJobScheduler(
      'weekly-notice-batch',
      { pattern: config.notices.batchCron, tz: config.notices.batchTz },
      { name: noticeBatchJob.name, data: {} },
    );
  await producer
    .queue(recheckJob.queue)
    .upsertJobScheduler(
      'recheck',
      { every: config.notices.recheckEveryMs },
      { name: recheckJob.name, data: {} },
    );
  // Re-uploads of removed content are noticed within minutes, not at the next weekly batch.
  await producer
    .queue(reuploadNoticeJob.queue)
    .upsertJobScheduler(
      'reupload-notices',
      { every: config.notices.reuploadCheckEveryMs },
      { name: reuploadNoticeJob.name, data: { matchIds: [] } },
    );
  const sweeper = startSweeper(deps, { everyMs: 60_000, olderThanMs: 5 * 60_000 });
  return {
    async close() {
      sweeper.stop();
      await host.close();
      await producer.close();
      await browsers.close();
      await fetcher.close();
      await hashPool.close();
      await proxy.close();
      notices.close();
      await registrySync.close();
      await closeAll(db, redis);
    },
  };
}

async function closeAll(db: Db, redis: Redis): Promise<void> {
  await db.pool.end();
  redis.disconnect();
}
