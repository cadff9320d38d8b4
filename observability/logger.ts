import pino, { type DestinationStream, type Logger } from 'pino';

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

/**
 * Writes to stdout asynchronously by default: a synchronous write per line cost the worker and gateway a
 * measurable share of their CPU (docs/performance.md). pino flushes the buffer when the process exits.
 */
export function createLogger(
  name: string,
  level = 'info',
  destination: DestinationStream = pino.destination({ dest: 1, sync: false }),
): Logger {
  return pino(
    {
      name,
      level,
      base: { service: name },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

/** Last words of a process that could not start: a configuration error is the user's to fix, so no stack. */
export function exitWithStartupError(what: string, err: unknown): never {
  const message =
    err instanceof Error && err.name === 'ConfigError'
      ? err.message
      : err instanceof Error
        ? (err.stack ?? err.message)
        : String(err);
  process.stderr.write(`${what} failed to start: ${message}\n`);
  process.exit(1);
}
