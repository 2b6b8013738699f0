import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { Type } from 'typebox';
import type { CaseService } from '../../registry/index.js';
import { caseRemovalStats } from '../../reports/index.js';
import { requireToken } from '../auth.js';
import { ConsentSchema, ErrorSchema, ItemHashesSchema } from '../schemas.js';

export interface CaseRoutesOptions {
  cases: CaseService;
  pool: pg.Pool;
  /** Requests per minute per client address on PIN-checked routes (brute-force guard). */
  lookupsPerMinute: number;
  /** Registrations per hour per client address without a token. */
  registrationsPerHour: number;
  /** The clock for the case's "past deadline" count (default: the system clock). */
  now?: () => Date;
}

const RefParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 32 }) });
const PinHeaders = Type.Object({
  'x-case-pin': Type.String({ pattern: '^[0-9]{8,12}$', description: 'the PIN shown at registration' }),
});
const CaseStatusSchema = Type.Object({
  ref: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('withdrawn')]),
  registeredAt: Type.String(),
  withdrawnAt: Type.Union([Type.String(), Type.Null()]),
  items: Type.Object({ images: Type.Integer(), videos: Type.Integer() }),
  platforms: Type.Array(
    Type.Object({
      platform: Type.String(),
      confirmed: Type.Integer(),
      noticed: Type.Integer(),
      removed: Type.Integer(),
      urls: Type.Optional(Type.Array(Type.String())),
    }),
  ),
  totals: Type.Object({
    confirmed: Type.Integer(),
    noticed: Type.Integer(),
    removed: Type.Integer(),
    pendingRemoval: Type.Integer(),
  }),
  removal: Type.Object(
    {
      itemsNoticed: Type.Integer(),
      itemsRemoved: Type.Integer(),
      medianSecondsToRemoval: Type.Union([Type.Number(), Type.Null()]),
      outstandingPastDeadline: Type.Integer(),
    },
    { description: 'removal figures of this case only, defined as in GET /api/v1/stats' },
  ),
  timeline: Type.Array(Type.Object({ at: Type.String(), event: Type.String(), count: Type.Integer() })),
});

/** `/api/v1/cases`: register hashes (never files), check status with the PIN, withdraw. */
export async function caseRoutes(instance: FastifyInstance, opts: CaseRoutesOptions): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  await app.register(rateLimit, { global: false });
  const lookupLimit = { rateLimit: { max: opts.lookupsPerMinute, timeWindow: 60_000 } };

  app.post(
    '/cases',
    {
      bodyLimit: 32 * 1024 * 1024,
      config: { rateLimit: { max: opts.registrationsPerHour, timeWindow: 3_600_000 } },
      schema: {
        summary: 'Register the fingerprints of a survivor’s files. Only hashes are accepted, never media.',
        body: Type.Object(
          {
            consent: ConsentSchema,
            contactEmail: Type.Optional(
              Type.Union([Type.String({ format: 'email', maxLength: 254 }), Type.Null()]),
            ),
            items: Type.Array(ItemHashesSchema, { minItems: 1, maxItems: 10_000 }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ ref: Type.String(), pin: Type.String(), items: Type.Integer() }),
          400: ErrorSchema,
        },
      },
    },
    async (req, reply) => {
      const { consent, contactEmail, items } = req.body;
      const result = await opts.cases.register({
        consent: {
          version: consent.version,
          role: consent.role,
          adult: consent.adult,
          acceptedAt: new Date().toISOString(),
        },
        contactEmail: contactEmail ?? null,
        items: items.map(({ file: _file, ...hashes }) => ({
          ...hashes,
          blockhash: hashes.blockhash ?? null,
        })),
        source: req.headers.authorization ? 'cli' : 'web',
      });
      reply.header('cache-control', 'no-store');
      return reply.status(201).send(result);
    },
  );

  app.post(
    '/cases/:ref/items',
    {
      bodyLimit: 32 * 1024 * 1024,
      preHandler: requireToken(opts.pool, 'register'),
      schema: {
        summary: 'Add items to a case in batches (API token with the "register" scope).',
        params: RefParams,
        body: Type.Object({ items: Type.Array(ItemHashesSchema, { minItems: 1, maxItems: 10_000 }) }),
        response: { 200: Type.Object({ items: Type.Integer() }) },
      },
    },
    async (req) =>
      opts.cases.addItems(
        req.params.ref,
        req.body.items.map(({ file: _file, ...hashes }) => ({
          ...hashes,
          blockhash: hashes.blockhash ?? null,
        })),
      ),
  );

  app.get(
    '/cases/:ref',
    {
      config: lookupLimit,
      schema: {
        summary: 'What happened with a case, for the person who holds its PIN.',
        params: RefParams,
        headers: PinHeaders,
        querystring: Type.Object({
          urls: Type.Optional(
            Type.Union([Type.Literal('true'), Type.Literal('false')], {
              description: 'include the addresses where content was found',
            }),
          ),
        }),
        response: { 200: CaseStatusSchema, 401: ErrorSchema, 429: ErrorSchema },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const status = await opts.cases.status(
        req.params.ref,
        req.headers['x-case-pin'],
        req.query.urls === 'true',
      );
      // Only after the PIN was accepted: the removal figures of this case alone (reports stage).
      const removal = await caseRemovalStats(opts.pool, status.ref, (opts.now ?? (() => new Date()))());
      return { ...status, removal };
    },
  );

  app.delete(
    '/cases/:ref',
    {
      config: lookupLimit,
      schema: {
        summary: 'Withdraw consent: deletes the case’s fingerprints and stops matching them at once.',
        params: RefParams,
        headers: PinHeaders,
        response: {
          200: Type.Object({ ref: Type.String(), status: Type.Literal('withdrawn') }),
          401: ErrorSchema,
        },
      },
    },
    async (req) => {
      const result = await opts.cases.withdraw(req.params.ref, req.headers['x-case-pin']);
      return { ref: result.ref, status: 'withdrawn' as const };
    },
  );
}
