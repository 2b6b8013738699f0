import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Db } from '../../db/index.js';
import { HashwatchError } from '../../errors.js';
import { requireCsrf, requireUser } from '../accounts/index.js';
import type { PreviewOptions } from './preview-fetch.js';
import {
  type AllowlistEntry,
  DECISIONS,
  type Decision,
  decideMatches,
  pendingMatches,
  REJECT_REASONS,
  type RejectReason,
} from './triage.store.js';

/** What the triage API and page need. */
export interface TriageOptions {
  db: Db;
  /** Puts a registered hash on the allow-list; wire to `(e) => cases.allowlist(e)`. */
  allowlist: (entry: AllowlistEntry) => Promise<unknown>;
  /** Distinct analysts whose confirmation makes a match confirmed (`TRIAGE_CONFIRMATIONS`, default 1). */
  confirmations?: number;
  /** How `/triage` fetches live previews; without it the page shows none. */
  preview?: PreviewOptions;
}

/** Counts of one decision request, as the API answers them. */
export interface DecisionCounts {
  requested: number;
  /** Matches whose state changed: for `confirm`, those that now have every confirmation needed. */
  changed: number;
  /** Not pending (or escalated), or no such match: nothing happened to them. */
  unchanged: number[];
  /** `confirm`: your confirmation is recorded; another analyst still has to confirm these. */
  awaiting: number[];
  /** `confirm`: you had already confirmed these; a different analyst has to. */
  alreadyConfirmed: number[];
  /** How many distinct analysts must confirm a match. */
  confirmationsNeeded: number;
  allowlisted: number;
}

/** At most this many matches per decision request. */
export const MAX_BATCH = 500;

/**
 * Checks the reason against the decision and decides in one transaction; the registered hashes of
 * `bad_registered_hash` rejections are allow-listed before that transaction commits.
 */
export async function runDecision(
  opts: TriageOptions,
  input: { matchIds: number[]; decision: Decision; reason?: string | undefined; actor: string },
): Promise<DecisionCounts> {
  const reason = input.reason === '' ? undefined : input.reason;
  if (input.decision === 'reject' && !REJECT_REASONS.includes(reason as RejectReason))
    throw badDecision(`a rejection needs a reason: one of ${REJECT_REASONS.join(', ')}`);
  if (input.decision !== 'reject' && reason !== undefined)
    throw badDecision('a reason is only given with decision "reject"');
  const result = await decideMatches(
    opts.db,
    {
      matchIds: input.matchIds,
      decision: input.decision,
      actor: input.actor,
      confirmationsNeeded: opts.confirmations ?? 1,
      ...(reason ? { reason: reason as RejectReason } : {}),
    },
    opts.allowlist,
  );
  return {
    requested: result.requested,
    changed: result.changed,
    unchanged: result.unchanged,
    awaiting: result.awaiting,
    alreadyConfirmed: result.alreadyConfirmed,
    confirmationsNeeded: opts.confirmations ?? 1,
    allowlisted: result.allowlist.length,
  };
}

function badDecision(message: string, code = 'TRIAGE_BAD_DECISION'): HashwatchError {
  return new HashwatchError(code, message, { status: 400 });
}

const QueueQuery = Type.Object(
  // Query strings are not coerced (ajv coerceTypes: false): a decimal string, checked below.
  {
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,5}$', description: '1 to 500, default 50' })),
  },
  { additionalProperties: false },
);
const DecisionBody = Type.Object(
  {
    matchIds: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: MAX_BATCH }),
    decision: Type.Union(DECISIONS.map((d) => Type.Literal(d))),
    reason: Type.Optional(Type.Union(REJECT_REASONS.map((r) => Type.Literal(r)))),
  },
  { additionalProperties: false },
);

/** `GET /triage/matches` and `POST /triage/decisions`; mount under `/api/v1`. Analysts only. */
export async function triageRoutes(app: FastifyInstance, opts: TriageOptions): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get(
    '/triage/matches',
    {
      onRequest: requireUser('analyst'),
      schema: { tags: ['triage'], querystring: QueueQuery },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const limit = Number(req.query.limit ?? 50);
      if (limit > MAX_BATCH)
        throw badDecision(`limit must be between 1 and ${MAX_BATCH}`, 'TRIAGE_BAD_LIMIT');
      return {
        matches: await pendingMatches(opts.db.pool, limit, req.user?.email),
        confirmationsNeeded: opts.confirmations ?? 1,
      };
    },
  );
  api.post(
    '/triage/decisions',
    {
      // Sign-in before validation (no schema details to strangers); the CSRF token is in the body.
      onRequest: requireUser('analyst'),
      preHandler: requireCsrf,
      schema: { tags: ['triage'], body: DecisionBody },
    },
    async (req) =>
      runDecision(opts, {
        matchIds: req.body.matchIds,
        decision: req.body.decision,
        reason: req.body.reason,
        actor: req.user?.email ?? 'unknown',
      }),
  );
}
