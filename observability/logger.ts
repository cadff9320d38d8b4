import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Anything that could carry account data or tokens is redacted at the logger, so a
 * careless log line cannot leak it.
 */
export const REDACT_PATHS = [
  '*.account',
  '*.token',
  '*.bik',
  '*.full_name',
  '*.fullName',
  '*.privateKeyPem',
  'account',
  'token',
  'bik',
  'fullName',
  'req.headers["x-partner-sign"]',
  'req.headers.authorization',
  'headers["x-partner-sign"]',
];

export function createLogger(name: string, level = 'info'): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
}
