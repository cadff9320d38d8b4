/**
 * Bank 131 failures, split the way Temporal retries and money safety need them:
 * - transport faults (network, timeouts, 5xx, 429) are retryable under the same idempotency key;
 * - a recognisable Bank 131 error object (`error.code`) on a 4xx, or with `"status":"error"`, is the bank's
 *   business answer;
 * - anything else (a WAF's HTML 403, an empty 400, a 409 without an error object, a 2xx we cannot read) is an
 *   unrecognised answer: never "the bank said no", because the request may well have been processed.
 */

/** Network errors, timeouts, 5xx and 429: safe to retry with the same idempotency key. */
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

/** The bank answered with its error object: `{error:{code, description?, reject_reasons?}}`. */
export class Bank131BusinessError extends Error {
  override readonly name = 'Bank131BusinessError';
  constructor(
    readonly endpoint: string,
    readonly code: string,
    readonly description: string | undefined,
    readonly httpStatus: number,
    /** The bank's `reject_reasons` as sent (rule aliases, lists, expiry dates); kept for operators. */
    readonly rejectReasons?: unknown[],
  ) {
    super(`Bank 131 ${endpoint} rejected the request: ${code}${description ? ` (${description})` : ''}`);
  }
}

/** An answer that is neither a success nor a recognisable Bank 131 error. Retryable; never a rejection. */
export class Bank131UnrecognisedAnswerError extends Error {
  override readonly name = 'Bank131UnrecognisedAnswerError';
  constructor(
    readonly endpoint: string,
    readonly httpStatus: number,
    /** Why it was not recognised, with a short, sanitised excerpt of the body. */
    readonly detail: string,
  ) {
    super(`Bank 131 ${endpoint} answered HTTP ${httpStatus} with ${detail}`);
  }
}

/** Codes that mean "the bank is temporarily unable", despite arriving as business errors. */
export const RETRYABLE_BANK_CODES: ReadonlySet<string> = new Set([
  'internal_error',
  'provider_timeout',
  'wallet_internal_error',
]);

/**
 * Init's "the wallet does not cover it": nothing was initiated, and the same payout can be initiated again
 * (with a new idempotency key: the refused one is spent) once the wallet is topped up.
 */
export const WALLET_SHORT_BANK_CODE = 'insufficient_wallet_balance';

/** Codes that mean "this step was already done": the earlier attempt's answer was lost. */
export const ALREADY_DONE_BANK_CODES: ReadonlySet<string> = new Set(['idempotency_key_already_exists']);
