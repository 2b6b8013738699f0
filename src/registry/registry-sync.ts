import pg from 'pg';
import type { Logger } from 'pino';
import type { Db } from '../db/index.js';
import {
  activeHashesAfter,
  activeHashesByIds,
  type ChangeRow,
  changesAfter,
  countActiveHashes,
  lastChangeId,
  REGISTRY_CHANNEL,
} from './case.store.js';
import type { MatchPolicy } from './match-types.js';
import { Matcher } from './matcher.js';
import type { RegistryHashRow } from './types.js';

export interface RegistrySyncOptions {
  db: Db;
  /** A connection string for the dedicated LISTEN connection. */
  databaseUrl: string;
  log: Logger;
  policy?: Partial<MatchPolicy>;
  /** How often to poll for changes and compare counts, repairing missed notifications. */
  checkpointMs?: number;
  pageSize?: number;
}

const REMOVING_OPS = new Set(['withdraw-case', 'disable-hash', 'flag-hash']);

/**
 * Keeps a worker's in-memory {@link Matcher} equal to the active rows of `registered_hashes`:
 * a streaming load at start, then every change from `registry_changes` as soon as a NOTIFY
 * arrives, and a periodic checkpoint that polls for changes and rebuilds if the counts disagree.
 */
export class RegistrySync {
  readonly #opts: RegistrySyncOptions;
  #matcher: Matcher;
  #lastChange = 0;
  #listener: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #applying: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(opts: RegistrySyncOptions) {
    this.#opts = opts;
    this.#matcher = new Matcher(opts.policy);
  }

  /** The current matcher; replaced as a whole only by a checkpoint rebuild. */
  get matcher(): Matcher {
    return this.#matcher;
  }

  /** Loads the registry and starts following changes. */
  async start(): Promise<void> {
    await this.#listen();
    this.#matcher = await this.#load();
    await this.#apply();
    this.#timer = setInterval(() => void this.checkpoint(), this.#opts.checkpointMs ?? 30_000);
    this.#timer.unref();
  }

  async #load(): Promise<Matcher> {
    const { db, log } = this.#opts;
    const started = Date.now();
    // Read the change position first: changes made during the load are then applied again,
    // which is harmless because adds and removes are idempotent.
    this.#lastChange = await lastChangeId(db.pool);
    const total = await countActiveHashes(db.pool);
    const pageSize = this.#opts.pageSize ?? 50_000;
    let loaded = 0;
    let nextLog = 0;
    async function* pages(): AsyncGenerator<RegistryHashRow[]> {
      let after = 0;
      for (;;) {
        const rows = await activeHashesAfter(db.pool, after, pageSize);
        if (rows.length === 0) return;
        loaded += rows.length;
        after = rows[rows.length - 1]?.id ?? after;
        if (Date.now() >= nextLog) {
          log.info({ loaded, total }, 'loading registry');
          nextLog = Date.now() + 2_000;
        }
        yield rows;
      }
    }
    const matcher = await Matcher.load(pages(), this.#opts.policy);
    log.info({ hashes: matcher.size, ms: Date.now() - started }, 'registry loaded');
    return matcher;
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#opts.databaseUrl });
    client.on('notification', () => void this.#apply());
    client.on('error', (err) => {
      this.#opts.log.warn({ err: err.message }, 'registry listener lost; reconnecting');
      this.#listener = undefined;
      setTimeout(() => void this.#reconnect(), 1_000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${REGISTRY_CHANNEL}`);
    this.#listener = client;
  }

  async #reconnect(): Promise<void> {
    if (this.#closed || this.#listener) return;
    try {
      await this.#listen();
      await this.#apply();
    } catch {
      setTimeout(() => void this.#reconnect(), 2_000).unref();
    }
  }

  /** Applies changes after the last one seen; calls are serialised. */
  #apply(): Promise<void> {
    this.#applying = this.#applying
      .then(async () => {
        for (;;) {
          const changes = await changesAfter(this.#opts.db.pool, this.#lastChange);
          if (changes.length === 0) return;
          for (const change of changes) await this.#applyOne(change);
        }
      })
      .catch((err: Error) => this.#opts.log.warn({ err: err.message }, 'registry change not applied yet'));
    return this.#applying;
  }

  async #applyOne(change: ChangeRow): Promise<void> {
    if (REMOVING_OPS.has(change.op)) this.#matcher.remove(change.hashIds);
    else if (change.hashIds.length)
      this.#matcher.add(await activeHashesByIds(this.#opts.db.pool, change.hashIds));
    this.#lastChange = change.id;
  }

  /** Polls for changes, then rebuilds when the count of active hashes disagrees with memory. */
  async checkpoint(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#apply();
      const expected = await countActiveHashes(this.#opts.db.pool, this.#matcher.policy.pdqQualityGate);
      if (expected !== this.#matcher.size) {
        this.#opts.log.warn({ expected, held: this.#matcher.size }, 'registry out of step; rebuilding');
        this.#matcher = await this.#load();
        await this.#apply();
      }
    } catch (err) {
      this.#opts.log.warn({ err: (err as Error).message }, 'registry checkpoint failed');
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#applying;
    await this.#listener?.end().catch(() => {});
  }
}
