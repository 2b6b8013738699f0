/**
 * Typed errors of the notice stage (codes documented in docs/errors.md). Expected outcomes, such as
 * a notice that was already sent or a platform without an email address, are return values.
 */
import { HashwatchError } from '../errors.js';

/** Stable error codes of the notice stage. */
export const NOTICE_ERROR_CODES = {
  platformsInvalid: 'PLATFORMS_FILE_INVALID',
  platformHostTaken: 'PLATFORM_HOST_TAKEN',
  smtpMissing: 'NOTICE_SMTP_MISSING',
  sendFailed: 'NOTICE_SEND_FAILED',
  notFound: 'NOTICE_NOT_FOUND',
} as const;

/** One of {@link NOTICE_ERROR_CODES}. */
export type NoticeErrorCode = (typeof NOTICE_ERROR_CODES)[keyof typeof NOTICE_ERROR_CODES];

/** An error raised while managing platforms or building, sending or acknowledging notices. */
export class NoticeError extends HashwatchError {
  declare readonly code: NoticeErrorCode;

  constructor(
    code: NoticeErrorCode,
    message: string,
    options: {
      retryable?: boolean;
      status?: number;
      details?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(code, message, options);
    this.name = 'NoticeError';
  }
}

/** The platform directory file does not parse or does not follow the schema. */
export function platformsInvalid(problems: string[]): NoticeError {
  return new NoticeError(
    NOTICE_ERROR_CODES.platformsInvalid,
    `The platform directory is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    { status: 400, details: { problems } },
  );
}

/** A host pattern already belongs to another platform. */
export function platformHostTaken(pattern: string, owner: string): NoticeError {
  return new NoticeError(
    NOTICE_ERROR_CODES.platformHostTaken,
    `The host pattern ${pattern} already belongs to the platform "${owner}".`,
    { status: 409, details: { pattern, owner } },
  );
}

/** A notice must go by email but no SMTP transport was configured. */
export function smtpMissing(ref: string): NoticeError {
  return new NoticeError(
    NOTICE_ERROR_CODES.smtpMissing,
    `Notice ${ref} goes by email, but SMTP_URL is not set; it stays a draft.`,
    { status: 503, details: { ref } },
  );
}

/** The SMTP server refused or dropped the message; the notice is marked failed and may be retried. */
export function sendFailed(ref: string, cause: unknown): NoticeError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new NoticeError(NOTICE_ERROR_CODES.sendFailed, `Notice ${ref} could not be sent: ${reason}`, {
    retryable: true,
    status: 502,
    cause,
  });
}

/** No notice has that id. */
export function noticeNotFound(id: number): NoticeError {
  return new NoticeError(NOTICE_ERROR_CODES.notFound, `No notice has the id ${id}.`, {
    status: 404,
    details: { id },
  });
}
