import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { Type } from 'typebox';
import { getReport, type ReportService, reportDetail } from '../../crawler/index.js';
import { HashwatchError } from '../../errors.js';
import { optionalToken, requireToken } from '../auth.js';
import { ErrorSchema } from '../schemas.js';

export interface ReportRoutesOptions {
  reports: ReportService;
  pool: pg.Pool;
  maxDepth: number;
  /** Reports per hour per client address without a token. */
  anonymousPerHour: number;
}

const ReportBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 8192, description: 'the page where the content was seen' }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    caseRef: Type.Optional(Type.String({ maxLength: 32 })),
    depth: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })),
  },
  { additionalProperties: false },
);

/** `/api/v1/reports`: report a URL to crawl; follow what was found (token holders). */
export async function reportRoutes(instance: FastifyInstance, opts: ReportRoutesOptions): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  await app.register(rateLimit, { global: false });

  app.post(
    '/reports',
    {
      config: {
        rateLimit: {
          // Hotlines with a token report in bulk; anonymous reporters get a modest limit per address.
          max: async (req) =>
            (await optionalToken(opts.pool, req))?.scopes.includes('report') ? 10_000 : opts.anonymousPerHour,
          timeWindow: 3_600_000,
        },
      },
      schema: {
        summary:
          'Report a page where a survivor’s content was seen. It is crawled, and every image and video on it is checked.',
        body: ReportBody,
        response: {
          202: Type.Object({
            id: Type.Integer(),
            status: Type.String(),
            duplicateOf: Type.Union([Type.Integer(), Type.Null()]),
            message: Type.String(),
          }),
          400: ErrorSchema,
        },
      },
    },
    async (req, reply) => {
      const token = await optionalToken(opts.pool, req);
      const created = await opts.reports.create({
        url: req.body.url,
        note: req.body.note ?? null,
        depth: Math.min(req.body.depth ?? 1, opts.maxDepth),
        source: token ? 'api' : 'web',
        reporter: token ? `token:${token.id}` : null,
      });
      return reply.status(202).send({
        id: created.report.id,
        status: created.report.status,
        duplicateOf: created.duplicateOf,
        message: created.duplicateOf
          ? 'Thank you. This address was checked recently; your report was added to that check.'
          : 'Thank you. The address will be checked; nothing more is needed from you.',
      });
    },
  );

  app.get(
    '/reports/:id',
    {
      preHandler: requireToken(opts.pool, 'report'),
      schema: {
        summary: 'A report’s status with the pages and media found (API token with the "report" scope).',
        // Path parameters are strings (ajv coerceTypes: false): an integer schema refused every id.
        params: Type.Object({
          id: Type.String({ pattern: '^[1-9][0-9]{0,14}$', description: 'report number' }),
        }),
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const report = await getReport(opts.pool, Number(req.params.id));
      if (!report)
        throw new HashwatchError('REPORT_NOT_FOUND', 'No report has that number.', { status: 404 });
      const detail = await reportDetail(opts.pool, report.duplicateOf ?? report.id);
      return {
        id: report.id,
        url: report.url,
        status: report.status,
        failure: report.failureCode ? { code: report.failureCode, reason: report.failureReason } : null,
        duplicateOf: report.duplicateOf,
        createdAt: report.createdAt.toISOString(),
        finishedAt: report.finishedAt?.toISOString() ?? null,
        ...detail,
      };
    },
  );
}
