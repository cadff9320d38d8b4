/**
 * Bank 131 failures, split the way Temporal retries need them: transport faults are retryable,
 * a `{status:"error"}` answer is a business decision by the bank and must not be blindly retried.
 */

/** Network errors, timeouts, 5xx, 429 and unparseable bodies: safe to retry with the same idempotency key. */
export class Bank131TransportError extends Error {
  override readonly name = 'Bank131TransportError';
  constructor(
    message: string,
    readonly endpoint: string,
    readonly httpStatus?: number,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The bank answered `{status:"error", error:{code}}`. */
export class Bank131BusinessError extends Error {
  override readonly name = 'Bank131BusinessError';
  constructor(
    readonly endpoint: string,
    readonly code: string,
    readonly description: string | undefined,
    readonly httpStatus: number,
  ) {
    super(`Bank 131 ${endpoint} rejected the request: ${code}${description ? ` (${description})` : ''}`);
  }
}

/** Codes that mean "the bank is temporarily unable", despite arriving as business errors. */
export const RETRYABLE_BANK_CODES: ReadonlySet<string> = new Set([
  'internal_error',
  'provider_timeout',
  'wallet_internal_error',
]);

/** Codes that mean "this step was already done or can no longer be done": read `session/status` instead. */
export const CHECK_STATUS_BANK_CODES: ReadonlySet<string> = new Set([
  'idempotency_key_already_exists',
  'session_wrong_state',
  'session_cancelled',
  'session_cancelled_by_partner',
]);
