import type { FastifyError, FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from '../db/index.js';
import { isHashwatchError } from '../errors.js';

/** The one error shape of the HTTP API. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** Fastify's own client-error codes, mapped to ours with a message a person can act on. */
const FASTIFY_CODES: Record<string, { code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', message: 'The request body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'INVALID_JSON',
    message: 'The request body is empty; JSON was expected.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE', message: 'The request body is larger than allowed.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'This content type is not accepted here; send application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'INVALID_CONTENT_LENGTH' },
};

/**
 * Installs the error and not-found handlers so that every 4xx/5xx is `{error: {code, message}}`.
 * Validation failures name the field; server faults never expose a stack or internal message.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation) {
      const problems = err.validation.map((v) => {
        const field = `${err.validationContext ?? 'body'}${v.instancePath.replaceAll('/', '.')}`;
        const missing = (v.params as { missingProperty?: string }).missingProperty;
        return missing ? `${field}.${missing} is required` : `${field} ${v.message ?? 'is invalid'}`;
      });
      return reply.status(400).send(body('VALIDATION_FAILED', problems.join('; '), { problems }));
    }
    if (isHashwatchError(err)) {
      if (err.status >= 500) req.log.error({ err }, 'request failed');
      return reply.status(err.status).send(body(err.code, err.message, err.details));
    }
    if (isDatabaseUnavailable(err)) {
      req.log.warn({ err: err.message }, 'database not answering');
      return reply
        .status(503)
        .header('retry-after', '30')
        .send(
          body(
            'DATABASE_UNAVAILABLE',
            'The database is not answering right now, so this could not be done. Nothing was lost; please try again in a minute.',
          ),
        );
    }
    const status = err.statusCode ?? 500;
    if (status === 429) {
      // @fastify/rate-limit throws a plain error with no code; it has already set Retry-After.
      const after = Number(reply.getHeader('retry-after'));
      return reply
        .status(429)
        .send(
          body(
            'RATE_LIMITED',
            'There have been many requests from this address in a short time. Please wait a little and try again.',
            Number.isFinite(after) && after > 0 ? { retryAfterSeconds: after } : undefined,
          ),
        );
    }
    if (status < 500) {
      const mapped = FASTIFY_CODES[err.code];
      return reply.status(status).send(body(mapped?.code ?? 'BAD_REQUEST', mapped?.message ?? err.message));
    }
    req.log.error({ err }, 'request failed');
    return reply
      .status(500)
      .send(
        body('INTERNAL', 'Something went wrong on our side. Nothing you sent was lost; please try again.'),
      );
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(body('NOT_FOUND', `Nothing here: ${req.method} ${req.url.split('?')[0]}`));
  });
}

function body(code: string, message: string, details?: Record<string, unknown>): ApiErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}
