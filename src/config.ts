import { z } from 'zod';

/**
 * Every setting hashwatch reads from the environment, parsed once at start-up. Nothing else reads
 * `process.env`: each component receives its slice of the frozen result. Keep README's
 * configuration table in step with this schema.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string()
    .url({ message: 'must be a postgres:// URL' })
    .default('postgres://postgres@127.0.0.1:5432/hashwatch'),
  DATABASE_POOL_SIZE: int(1, 100).default(10),
  REDIS_URL: z.string().url({ message: 'must be a redis:// URL' }).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+$/, { message: 'letters, digits, _ and - only' })
    .default('hashwatch'),
  HOST: z.string().default('127.0.0.1'),
  PORT: int(0, 65535).default(8080),
  MIGRATE_ON_START: bool.default(true),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(30_000),
  WORKER_CONCURRENCY: int(1, 64).default(2),
  WORKER_LOCK_SECONDS: int(1, 3600).default(30),
  CHROMIUM_PATH: z.string().optional(),
  FFMPEG_PATH: z.string().default('ffmpeg'),
  CRAWLER_ALLOW_PRIVATE_NETWORKS: bool.default(false),
  /** Test only: exact `ip:port` pairs allowed although private (to prove everything else is refused). */
  CRAWLER_ALLOW_HOSTS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean),
    ),
  HASH_MAX_IMAGE_BYTES: int(1, 2 ** 31).default(50 * 1024 * 1024),
  HASH_MAX_IMAGE_PIXELS: int(1, 2 ** 31).default(100_000_000),
  HASH_MAX_VIDEO_SECONDS: int(1, 86_400).default(3600),
  PDQ_MATCH_THRESHOLD: int(0, 128).default(31),
  PDQ_QUALITY_GATE: int(0, 100).default(50),
  VIDEO_MATCH_PERCENT: int(1, 100).default(80),
  BLOCKHASH_MATCH_THRESHOLD: int(0, 64).default(12),
  BLOCKHASH_PDQ_CEILING: int(0, 128).default(90),
  PIN_MAX_ATTEMPTS: int(1, 100).default(5),
  PIN_LOCK_MINUTES: int(1, 24 * 60).default(15),
  CASE_LOOKUPS_PER_MINUTE: int(1, 100_000).default(20),
  REGISTRATIONS_PER_HOUR: int(1, 100_000).default(30),
  REGISTRY_CHECKPOINT_SECONDS: int(1, 86_400).default(30),
  CRAWL_MAX_DEPTH: int(0, 5).default(2),
  CRAWL_MAX_PAGES: int(1, 10_000).default(50),
  CRAWL_PAGE_TIMEOUT_SECONDS: int(5, 600).default(60),
  CRAWL_SCROLL_SECONDS: int(0, 600).default(20),
  CRAWL_MAX_MEDIA_PER_PAGE: int(1, 100_000).default(2000),
  CRAWL_PAGE_MAX_MB: int(1, 100_000).default(200),
  CRAWL_MAX_POPUPS: int(0, 1000).default(5),
  CRAWL_MAX_REDIRECTS: int(0, 20).default(5),
  CRAWL_HOST_CONCURRENT_PAGES: int(1, 100).default(2),
  CRAWL_HOST_REQUESTS_PER_SECOND: int(1, 1000).default(1),
  REPORT_DEDUP_HOURS: int(0, 24 * 365).default(24),
  MEDIA_MAX_VIDEO_BYTES: int(1, 2 ** 40).default(2 * 1024 ** 3),
  MEDIA_VIDEO_TIMEOUT_SECONDS: int(10, 86_400).default(900),
  BROWSER_RECYCLE_PAGES: int(1, 100_000).default(50),
  BROWSER_MAX_RSS_MB: int(100, 100_000).default(3000),
  SESSION_IDLE_HOURS: int(1, 168).default(12),
  SESSION_MAX_DAYS: int(1, 90).default(7),
  SESSION_COOKIE_SECURE: z
    .enum(['auto', 'true', 'false'], { message: 'must be auto, true or false' })
    .default('auto'),
  LOGIN_MAX_FAILURES: int(1, 100).default(5),
  LOGIN_LOCK_MINUTES: int(1, 1440).default(5),
  LOGIN_ATTEMPTS_PER_MINUTE: int(1, 10_000).default(10),
  SMTP_URL: z.string().url({ message: 'must be an smtp:// or smtps:// URL' }).optional(),
  PUBLIC_URL: z.string().url({ message: 'must be an http(s) URL' }).default('http://127.0.0.1:8080'),
  PLATFORMS_FILE: z.string().optional(),
  NOTICE_ORG_NAME: z.string().default('hashwatch (unconfigured organisation)'),
  NOTICE_ORG_ADDRESS: z.string().default(''),
  NOTICE_FROM_EMAIL: z
    .string()
    .email({ message: 'must be an email address' })
    .default('notices@hashwatch.invalid'),
  NOTICE_ORG_PHONE: z.string().optional(),
  NOTICE_ORG_WEBSITE: z.string().optional(),
  NOTICE_SIGNATORY_NAME: z.string().default('Authorised representative'),
  NOTICE_SIGNATORY_TITLE: z.string().default('Case analyst'),
  NOTICE_TRUSTED_FLAGGER: bool.default(false),
  NOTICE_INCLUDE_DMCA: bool.default(false),
  NOTICE_DEADLINE_HOURS: int(1, 24 * 365).default(168),
  NOTICE_STATUTORY_DEADLINE_HOURS: int(1, 24 * 365).default(48),
  NOTICE_STATUTORY_JURISDICTIONS: z
    .string()
    .default('US')
    .transform((v) =>
      v
        .split(',')
        .map((j) => j.trim().toUpperCase())
        .filter(Boolean),
    ),
  NOTICE_REVIEW: bool.default(true),
  NOTICE_BATCH_CRON: z.string().default('0 0 6 * * 1'),
  NOTICE_BATCH_TZ: z.string().default('UTC'),
  NOTICE_MAX_LEVEL: int(1, 10).default(3),
  NOTICE_ESCALATE_AFTER: int(1, 10).default(2),
  REUPLOAD_CHECK_EVERY_MINUTES: int(1, 1440).default(1),
  RECHECK_EVERY_MINUTES: int(1, 10_080).default(60),
  TRIAGE_CONFIRMATIONS: int(1, 5).default(1),
  HASHWATCH_URL: z.string().url({ message: 'must be an http(s) URL' }).default('http://127.0.0.1:8080'),
  HASHWATCH_TOKEN: z.string().optional(),
});

export type Env = z.infer<typeof schema>;

/** The parsed configuration, grouped by the component that uses it. */
export interface Config {
  env: Env['NODE_ENV'];
  log: { level: Env['LOG_LEVEL'] };
  db: { url: string; poolSize: number; migrateOnStart: boolean };
  redis: { url: string; prefix: string };
  server: { host: string; port: number };
  worker: { concurrency: number; shutdownGraceMs: number; lockMs: number };
  hashing: {
    ffmpegPath: string;
    maxImageBytes: number;
    maxImagePixels: number;
    maxVideoSeconds: number;
  };
  matching: {
    pdqThreshold: number;
    pdqQualityGate: number;
    videoMatchPercent: number;
    blockhashThreshold: number;
    blockhashPdqCeiling: number;
    checkpointMs: number;
  };
  cases: {
    pinMaxAttempts: number;
    pinLockMs: number;
    lookupsPerMinute: number;
    registrationsPerHour: number;
  };
  crawler: {
    chromiumPath: string | undefined;
    allowPrivateNetworks: boolean;
    allowHosts: string[];
    maxDepth: number;
    maxPages: number;
    pageTimeoutMs: number;
    scrollMs: number;
    maxMediaPerPage: number;
    pageMaxBytes: number;
    maxPopups: number;
    maxRedirects: number;
    hostConcurrentPages: number;
    hostRequestsPerSecond: number;
    reportDedupMs: number;
    maxVideoBytes: number;
    videoTimeoutMs: number;
    browserRecyclePages: number;
    browserMaxRssBytes: number;
  };
  accounts: {
    sessionIdleMs: number;
    sessionMaxMs: number;
    cookieSecure: 'auto' | 'always' | 'never';
    maxFailedLogins: number;
    lockMs: number;
    loginAttemptsPerMinute: number;
  };
  notices: {
    smtpUrl: string | undefined;
    publicUrl: string;
    platformsFile: string | undefined;
    sender: {
      organisation: string;
      address: string;
      email: string;
      phone: string | undefined;
      website: string | undefined;
      signatory: { name: string; title: string };
      trustedFlagger: boolean;
    };
    dmca: boolean;
    defaultHours: number;
    statutoryHours: number;
    statutoryJurisdictions: string[];
    review: boolean;
    batchCron: string;
    batchTz: string;
    maxLevel: number;
    /** Notices to the platform alone; from level `escalateAfter + 1` the hosting provider too. */
    escalateAfter: number;
    recheckEveryMs: number;
    /** How often confirmed re-uploads are looked for and noticed at once. */
    reuploadCheckEveryMs: number;
  };
  /** Distinct analysts whose confirmation makes a match confirmed (the second-analyst rule). */
  triage: { confirmations: number };
  /** Where CLI commands that talk to a server send their requests. */
  client: { url: string; token: string | undefined };
}

/** Raised when the environment is invalid; lists every bad variable at once. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Parses `source` (normally `process.env`) into a frozen {@link Config}; throws {@link ConfigError}. */
export function loadConfig(source: Record<string, string | undefined>): Readonly<Config> {
  // Empty strings mean "unset" so `FOO= hashwatch serve` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  return deepFreeze({
    env: e.NODE_ENV,
    log: { level: e.LOG_LEVEL },
    db: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE, migrateOnStart: e.MIGRATE_ON_START },
    redis: { url: e.REDIS_URL, prefix: e.QUEUE_PREFIX },
    server: { host: e.HOST, port: e.PORT },
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      lockMs: e.WORKER_LOCK_SECONDS * 1000,
    },
    hashing: {
      ffmpegPath: e.FFMPEG_PATH,
      maxImageBytes: e.HASH_MAX_IMAGE_BYTES,
      maxImagePixels: e.HASH_MAX_IMAGE_PIXELS,
      maxVideoSeconds: e.HASH_MAX_VIDEO_SECONDS,
    },
    matching: {
      pdqThreshold: e.PDQ_MATCH_THRESHOLD,
      pdqQualityGate: e.PDQ_QUALITY_GATE,
      videoMatchPercent: e.VIDEO_MATCH_PERCENT,
      blockhashThreshold: e.BLOCKHASH_MATCH_THRESHOLD,
      blockhashPdqCeiling: e.BLOCKHASH_PDQ_CEILING,
      checkpointMs: e.REGISTRY_CHECKPOINT_SECONDS * 1000,
    },
    cases: {
      pinMaxAttempts: e.PIN_MAX_ATTEMPTS,
      pinLockMs: e.PIN_LOCK_MINUTES * 60_000,
      lookupsPerMinute: e.CASE_LOOKUPS_PER_MINUTE,
      registrationsPerHour: e.REGISTRATIONS_PER_HOUR,
    },
    crawler: {
      chromiumPath: e.CHROMIUM_PATH,
      allowPrivateNetworks: e.CRAWLER_ALLOW_PRIVATE_NETWORKS,
      allowHosts: e.CRAWLER_ALLOW_HOSTS,
      maxDepth: e.CRAWL_MAX_DEPTH,
      maxPages: e.CRAWL_MAX_PAGES,
      pageTimeoutMs: e.CRAWL_PAGE_TIMEOUT_SECONDS * 1000,
      scrollMs: e.CRAWL_SCROLL_SECONDS * 1000,
      maxMediaPerPage: e.CRAWL_MAX_MEDIA_PER_PAGE,
      pageMaxBytes: e.CRAWL_PAGE_MAX_MB * 1024 * 1024,
      maxPopups: e.CRAWL_MAX_POPUPS,
      maxRedirects: e.CRAWL_MAX_REDIRECTS,
      hostConcurrentPages: e.CRAWL_HOST_CONCURRENT_PAGES,
      hostRequestsPerSecond: e.CRAWL_HOST_REQUESTS_PER_SECOND,
      reportDedupMs: e.REPORT_DEDUP_HOURS * 3_600_000,
      maxVideoBytes: e.MEDIA_MAX_VIDEO_BYTES,
      videoTimeoutMs: e.MEDIA_VIDEO_TIMEOUT_SECONDS * 1000,
      browserRecyclePages: e.BROWSER_RECYCLE_PAGES,
      browserMaxRssBytes: e.BROWSER_MAX_RSS_MB * 1024 * 1024,
    },
    accounts: {
      sessionIdleMs: e.SESSION_IDLE_HOURS * 3_600_000,
      sessionMaxMs: e.SESSION_MAX_DAYS * 86_400_000,
      cookieSecure:
        e.SESSION_COOKIE_SECURE === 'true'
          ? 'always'
          : e.SESSION_COOKIE_SECURE === 'false'
            ? 'never'
            : 'auto',
      maxFailedLogins: e.LOGIN_MAX_FAILURES,
      lockMs: e.LOGIN_LOCK_MINUTES * 60_000,
      loginAttemptsPerMinute: e.LOGIN_ATTEMPTS_PER_MINUTE,
    },
    notices: {
      smtpUrl: e.SMTP_URL,
      publicUrl: e.PUBLIC_URL.replace(/\/$/, ''),
      platformsFile: e.PLATFORMS_FILE,
      sender: {
        organisation: e.NOTICE_ORG_NAME,
        address: e.NOTICE_ORG_ADDRESS.replaceAll('\\n', '\n'),
        email: e.NOTICE_FROM_EMAIL,
        phone: e.NOTICE_ORG_PHONE,
        website: e.NOTICE_ORG_WEBSITE,
        signatory: { name: e.NOTICE_SIGNATORY_NAME, title: e.NOTICE_SIGNATORY_TITLE },
        trustedFlagger: e.NOTICE_TRUSTED_FLAGGER,
      },
      dmca: e.NOTICE_INCLUDE_DMCA,
      defaultHours: e.NOTICE_DEADLINE_HOURS,
      statutoryHours: e.NOTICE_STATUTORY_DEADLINE_HOURS,
      statutoryJurisdictions: e.NOTICE_STATUTORY_JURISDICTIONS,
      review: e.NOTICE_REVIEW,
      batchCron: e.NOTICE_BATCH_CRON,
      batchTz: e.NOTICE_BATCH_TZ,
      maxLevel: e.NOTICE_MAX_LEVEL,
      escalateAfter: e.NOTICE_ESCALATE_AFTER,
      recheckEveryMs: e.RECHECK_EVERY_MINUTES * 60_000,
      reuploadCheckEveryMs: e.REUPLOAD_CHECK_EVERY_MINUTES * 60_000,
    },
    triage: { confirmations: e.TRIAGE_CONFIRMATIONS },
    client: { url: e.HASHWATCH_URL, token: e.HASHWATCH_TOKEN },
  });
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const v of Object.values(value)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(value);
}
