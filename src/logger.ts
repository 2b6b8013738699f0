import { type Logger, pino } from 'pino';

/**
 * Paths redacted from every log line. PINs, tokens, passwords and contact details of survivors and
 * senders must never reach the logs; media bytes and page HTML are never logged at all.
 */
export const REDACT_PATHS = [
  'pin',
  '*.pin',
  'password',
  '*.password',
  'token',
  '*.token',
  'email',
  '*.email',
  'contactEmail',
  '*.contactEmail',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-case-pin"]',
  'res.headers["set-cookie"]',
];

/**
 * Builds the root logger. Logs go to stderr so that stdout stays clean for command output
 * (`hashwatch hash --json | …`): JSON lines, or pino-pretty when stderr is a terminal.
 */
export function createLogger(level: string, options: { pretty?: boolean } = {}): Logger {
  const pretty = options.pretty ?? process.stderr.isTTY === true;
  const base = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { destination: 2 } } });
  return pino(base, pino.destination({ fd: 2, sync: false }));
}

export type { Logger };
