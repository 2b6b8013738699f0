import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RemovalStats } from '../../reports/index.js';
import { requireUser } from '../accounts/index.js';
import { ErrorSchema } from '../schemas.js';

/** What the statistics API and page need. */
export interface StatsOptions {
  /** The statistics, shared with `/metrics` (main.ts wraps the query in `cachedRemovalStats`). */
  removalStats: () => Promise<RemovalStats>;
  /**
   * For the note beside the times on `/stats`: removals are seen by a recheck, which runs every
   * `recheckEveryMs` once a notice's deadline has passed (`deadlineHours`: the shortest one in use).
   */
  timing?: { deadlineHours: number; recheckEveryMs: number };
}

const nullableNumber = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

const FIGURES = {
  noticesSent: Type.Integer({ description: 'notices sent (every level)' }),
  itemsNoticed: Type.Integer({ description: 'URLs named in sent notices' }),
  itemsRemoved: Type.Integer({ description: 'noticed URLs recorded as removed by a recheck' }),
  removalRate: nullableNumber('itemsRemoved / itemsNoticed (0–1); null before anything was noticed'),
  medianSecondsToRemoval: nullableNumber(
    'median of removed_at − sent_at of the first notice naming the URL, over removed URLs (percentile_cont)',
  ),
  p90SecondsToRemoval: nullableNumber('90th percentile of the same (percentile_cont)'),
  outstandingPastDeadline: Type.Integer({
    description: 'URLs not removed, still asked for, whose first notice deadline has passed',
  }),
  reuploads: Type.Integer({
    description:
      'matches (not rejected) on a new URL, found after another URL with the same file or the same registered file was recorded removed',
  }),
};

/** The JSON answer of `GET /api/v1/stats`. */
export const StatsSchema = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  platforms: Type.Array(Type.Object({ platformId: Type.Integer(), platform: Type.String(), ...FIGURES })),
  totals: Type.Object(FIGURES),
});

/** `GET /stats` (mount under `/api/v1`): removal statistics per platform and in total. Analysts and admins. */
export async function statsRoutes(app: FastifyInstance, opts: StatsOptions): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get(
    '/stats',
    {
      onRequest: requireUser('analyst'),
      schema: {
        tags: ['stats'],
        summary: 'Removal statistics per platform and in total (see docs/architecture.md for definitions).',
        response: { 200: StatsSchema, 401: ErrorSchema },
      },
    },
    async (_req, reply) => {
      reply.header('cache-control', 'no-store');
      const stats = await opts.removalStats();
      return { ...stats, generatedAt: stats.generatedAt.toISOString() };
    },
  );
}
