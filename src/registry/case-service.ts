import type pg from 'pg';
import { type Db, withTransaction } from '../db/index.js';
import { HashwatchError } from '../errors.js';
import { type AllowlistRadii, flagCaseHashes, insertAllowlisted } from './allowlist.store.js';
import {
  caseProgress,
  caseTimeline,
  countCaseItems,
  deleteCaseHashes,
  findCaseByRef,
  insertCase,
  insertItems,
  markWithdrawn,
  type PlatformProgress,
  pinLockedUntil,
  recordChange,
  reservePinAttempt,
  resetPinFailures,
  setHashesDisabled,
} from './case.store.js';
import { caseLocked, caseWithdrawn, pinMismatch } from './errors.js';
import { DEFAULT_MATCH_POLICY } from './match-types.js';
import { generateCaseRef, generatePin, hashSecret, normaliseCaseRef, verifySecret } from './secrets.js';
import type { CaseSource, Consent, ItemHashes } from './types.js';
import { caseHashValues, forgetCrawledCopies } from './withdrawal.store.js';

export interface PinPolicy {
  /** Wrong PINs in a row before the case is paused. */
  maxAttempts: number;
  /** How long the pause lasts. */
  lockMs: number;
}

export const DEFAULT_PIN_POLICY: PinPolicy = { maxAttempts: 5, lockMs: 15 * 60_000 };

/** What a survivor may see about their case. Never URLs unless they ask; never other cases. */
export interface CaseStatus {
  ref: string;
  status: 'active' | 'withdrawn';
  registeredAt: string;
  withdrawnAt: string | null;
  items: { images: number; videos: number };
  /** Confirmed findings per platform: noticed and removed counts (addresses only when asked for). */
  platforms: PlatformProgress[];
  totals: { confirmed: number; noticed: number; removed: number; pendingRemoval: number };
  timeline: { at: string; event: string; count: number }[];
}

/** Told (after commit) that a case gained hashes, identified by the registry change that added them. */
export type OnHashesAdded = (caseId: number, changeId: number) => Promise<void>;

/**
 * Steps of a withdrawal that belong to other stages, run inside its transaction (the composition
 * root passes `forgetCaseInNotices` of reports and `appendAudit` of the server). Without them the
 * registry and crawled side are still forgotten, but notices keep their evidence and nothing is audited.
 */
export interface WithdrawalSteps {
  /** Drops the case from unsent notices and replaces its hash evidence in sent ones. */
  notices?: (
    client: pg.PoolClient,
    ref: string,
    hashValues: readonly string[],
  ) => Promise<{ redacted: number; pruned: number; cancelled: number }>;
  /** Appends one audit entry (counts only, never a hash value); last in the transaction. */
  audit?: (
    client: pg.PoolClient,
    entry: { actor: string; action: string; subject: string; detail: Record<string, number> },
  ) => Promise<unknown>;
}

export interface Registration {
  ref: string;
  pin: string;
  items: number;
}

/** Cases: registration, PIN-checked status, withdrawal. Every write announces a registry change. */
export class CaseService {
  readonly #db: Db;
  readonly #policy: PinPolicy;
  readonly #allowlistRadii: AllowlistRadii;
  readonly #onAdded: OnHashesAdded;
  readonly #withdrawal: WithdrawalSteps;

  /**
   * `allowlistRadius`: perceptual distance at which a registered hash counts as allow-listed, per
   * signal (a number is the PDQ radius; blockhash then uses its default match threshold).
   * `onAdded`: called after hashes were committed (the composition root queues retroactive matching).
   * `withdrawal`: the notice and audit steps of a withdrawal (see {@link WithdrawalSteps}).
   */
  constructor(
    db: Db,
    policy: PinPolicy = DEFAULT_PIN_POLICY,
    allowlistRadius: number | AllowlistRadii = 31,
    onAdded: OnHashesAdded = async () => {},
    withdrawal: WithdrawalSteps = {},
  ) {
    this.#db = db;
    this.#policy = policy;
    this.#allowlistRadii =
      typeof allowlistRadius === 'number'
        ? { pdq: allowlistRadius, blockhash: DEFAULT_MATCH_POLICY.blockhashThreshold }
        : allowlistRadius;
    this.#onAdded = onAdded;
    this.#withdrawal = withdrawal;
  }

  /**
   * Disables single registered hashes (an analyst judged them too generic or wrong), or enables them
   * again. Every worker drops or restores them at once; the rest of the case keeps matching.
   */
  async setHashesDisabled(hashIds: number[], disabled: boolean): Promise<{ changed: number }> {
    return withTransaction(this.#db.pool, async (client) => {
      const changed = await setHashesDisabled(client, hashIds, disabled);
      if (changed.length) {
        await recordChange(client, {
          op: disabled ? 'disable-hash' : 'enable-hash',
          caseId: null,
          hashIds: changed,
        });
      }
      return { changed: changed.length };
    });
  }

  /**
   * Allow-lists a hash (a blank frame, a logo, a stock image): every registered hash that matches
   * it is flagged for review and leaves every worker's matcher at once.
   */
  async allowlist(entry: {
    signal: 'pdq' | 'blockhash' | 'md5' | 'sha256';
    value: string;
    reason: string;
    createdBy: string;
  }): Promise<{ flagged: number }> {
    return withTransaction(this.#db.pool, async (client) => {
      const { flagged } = await insertAllowlisted(client, entry, this.#allowlistRadii);
      if (flagged.length) await recordChange(client, { op: 'flag-hash', caseId: null, hashIds: flagged });
      return { flagged: flagged.length };
    });
  }

  /** Creates a case with its items; the PIN is returned once and stored only as a slow hash. */
  async register(input: {
    consent: Consent;
    contactEmail: string | null;
    items: ItemHashes[];
    source: CaseSource;
  }): Promise<Registration> {
    checkConsent(input.consent);
    const pin = generatePin();
    const pinHash = await hashSecret(pin);
    const registration = await withTransaction(this.#db.pool, async (client) => {
      let caseId = 0;
      let ref = '';
      // ~39 bits of reference: a collision is rare, but retry rather than fail.
      for (let i = 0; i < 5 && caseId === 0; i++) {
        ref = generateCaseRef();
        caseId = await insertCase(client, {
          ref,
          pinHash,
          consent: input.consent,
          contactEmail: input.contactEmail,
          source: input.source,
        });
      }
      if (caseId === 0)
        throw new HashwatchError('CASE_REF_EXHAUSTED', 'Could not allocate a case reference', {
          retryable: true,
        });
      const hashIds = input.items.length ? await insertItems(client, caseId, input.items) : [];
      // Flagged hashes stay in the case for review but are never loaded into the matcher.
      await flagCaseHashes(client, caseId, this.#allowlistRadii);
      const changeId = await recordChange(client, { op: 'add-case', caseId, hashIds });
      return { ref, pin, items: input.items.length, caseId, changeId };
    });
    // The case is committed; a failure to queue follow-up work must not cost the person their PIN.
    await this.#onAdded(registration.caseId, registration.changeId).catch(() => {});
    return { ref: registration.ref, pin: registration.pin, items: registration.items };
  }

  /** Adds items to an existing active case (advocates registering in batches, with a token). */
  async addItems(ref: string, items: ItemHashes[]): Promise<{ items: number }> {
    const row = await findCaseByRef(this.#db.pool, normaliseCaseRef(ref) ?? '');
    if (!row) throw new HashwatchError('CASE_NOT_FOUND', 'No case has that reference.', { status: 404 });
    if (row.status === 'withdrawn') throw caseWithdrawn();
    const changeId = await withTransaction(this.#db.pool, async (client) => {
      const hashIds = await insertItems(client, row.id, items);
      await flagCaseHashes(client, row.id, this.#allowlistRadii);
      return recordChange(client, { op: 'add-items', caseId: row.id, hashIds });
    });
    await this.#onAdded(row.id, changeId).catch(() => {});
    return { items: items.length };
  }

  /** Checks reference and PIN with lockout; returns the case id when they match. */
  async authenticate(
    refInput: string,
    pin: string,
  ): Promise<{ id: number; ref: string; status: 'active' | 'withdrawn' }> {
    const ref = normaliseCaseRef(refInput);
    const row = ref ? await findCaseByRef(this.#db.pool, ref) : undefined;
    // The attempt is counted before the PIN is checked, so parallel guesses cannot outrun the pause.
    const attempt = row
      ? await reservePinAttempt(this.#db.pool, row.id, this.#policy.maxAttempts, this.#policy.lockMs)
      : undefined;
    // Always the same scrypt work (unknown reference, paused case, wrong or right PIN), so the time
    // an answer takes tells nothing.
    const ok = await verifySecret(pin, row?.pinHash);
    if (!row) throw pinMismatch();
    if (!attempt) {
      throw caseLocked(
        (await pinLockedUntil(this.#db.pool, row.id)) ?? new Date(Date.now() + this.#policy.lockMs),
      );
    }
    if (!ok) {
      if (attempt.lockedUntil && attempt.lockedUntil.getTime() > Date.now())
        throw caseLocked(attempt.lockedUntil);
      throw pinMismatch();
    }
    await resetPinFailures(this.#db.pool, row.id);
    return { id: row.id, ref: row.ref, status: row.status };
  }

  /** What the survivor may know about their case; addresses of findings only when `withUrls`. */
  async status(refInput: string, pin: string, withUrls = false): Promise<CaseStatus> {
    const auth = await this.authenticate(refInput, pin);
    const row = await findCaseByRef(this.#db.pool, auth.ref);
    if (!row) throw pinMismatch();
    const platforms = await caseProgress(this.#db.pool, row.id, withUrls);
    const sum = (k: 'confirmed' | 'noticed' | 'removed') => platforms.reduce((n, p) => n + p[k], 0);
    return {
      ref: row.ref,
      status: row.status,
      registeredAt: row.createdAt.toISOString(),
      withdrawnAt: row.withdrawnAt?.toISOString() ?? null,
      items: await countCaseItems(this.#db.pool, row.id),
      platforms,
      totals: {
        confirmed: sum('confirmed'),
        noticed: sum('noticed'),
        removed: sum('removed'),
        pendingRemoval: sum('noticed') - sum('removed'),
      },
      timeline: (await caseTimeline(this.#db.pool, row.id)).map((t) => ({ ...t, at: t.at.toISOString() })),
    };
  }

  /**
   * Withdraws consent, in one transaction: marks the case withdrawn and forgets the contact address;
   * deletes its matches and the crawled fingerprints that are its own; drops it from unsent notices
   * and replaces its hash evidence in sent ones; deletes every registered fingerprint; tells every
   * worker to drop the hashes from its index at once; audits the counts. The rule is in
   * docs/RELIABILITY.md ("Withdrawal").
   */
  async withdraw(refInput: string, pin: string): Promise<{ ref: string; removedHashes: number }> {
    const auth = await this.authenticate(refInput, pin);
    if (auth.status === 'withdrawn') return { ref: auth.ref, removedHashes: 0 };
    return withTransaction(this.#db.pool, async (client) => {
      // First: its row lock makes a worker recording a match for this case wait, then skip it.
      await markWithdrawn(client, auth.id);
      const values = await caseHashValues(client, auth.id);
      const notices = (await this.#withdrawal.notices?.(client, auth.ref, values)) ?? {
        redacted: 0,
        pruned: 0,
        cancelled: 0,
      };
      const crawled = await forgetCrawledCopies(client, auth.id);
      const removed = await deleteCaseHashes(client, auth.id);
      await recordChange(client, { op: 'withdraw-case', caseId: auth.id, hashIds: removed });
      await this.#withdrawal.audit?.(client, {
        actor: 'case-pin',
        action: 'case.withdraw',
        subject: `case:${auth.ref}`,
        detail: {
          registeredHashes: removed.length,
          matches: crawled.matches,
          crawledContents: crawled.contents,
          mediaUnlinked: crawled.media,
          noticesRedacted: notices.redacted,
          noticesPruned: notices.pruned,
          noticesCancelled: notices.cancelled,
        },
      });
      return { ref: auth.ref, removedHashes: removed.length };
    });
  }
}

function checkConsent(c: Consent): void {
  if (!c.adult && c.role !== 'guardian') {
    throw new HashwatchError(
      'CASE_CONSENT_INVALID',
      'Please confirm that you are 18 or over, or choose "I am a parent or guardian reporting for a minor".',
      { status: 400 },
    );
  }
}
