/**
 * Bank 131 activities: thin wrappers over the client that send one idempotency key per step and turn bank
 * failures into the kinds Temporal's retry policy needs. Where a step may have moved money (confirm) or
 * created a session (init), an answer that is not a clean success is resolved by asking the bank, never by
 * assuming "no".
 */
import { ApplicationFailure } from '@temporalio/activity';
import { maskAccount } from '../bank131/accounts';
import type { Bank131Client } from '../bank131/client';
import {
  ALREADY_DONE_BANK_CODES,
  Bank131BusinessError,
  Bank131TransportError,
  Bank131UnrecognisedAnswerError,
  RETRYABLE_BANK_CODES,
} from '../bank131/errors';
import { toSessionSnapshot } from '../bank131/session-read';
import { classifySession, initMetadata, type SessionSnapshot } from '../bank131/session';
import { initPayoutBody } from '../bank131/payout-details';
import type { PayoutSettings } from '../policy/settings';
import { methodActivities } from './methods';
import type { Logger } from '../observability/logger';
import { createCallbackActivities, type BackendCallbackConfig } from './callbacks';
import type { PayoutRegistry } from './payout-registry';
import {
  FAILURE_TYPES,
  type BankRejectionDetails,
  type InitPayoutInput,
  type InitPayoutResult,
  type CallbackActivities,
  type PayoutActivities,
  type PreparedPayout,
  type RegisterPayoutInput,
  type RegisterPayoutResult,
  type SessionStepInput,
  type SessionStepResult,
  type TokenInfoResult,
  type TokenizeInput,
  type TokenizeResult,
  type WalletBalance,
} from './types';

export interface ActivityDeps {
  bank131: Bank131Client;
  settings: PayoutSettings;
  logger: Logger;
  /** How long one worker reuses a `wallet/balance` answer (default 5 s) and the `fps/banks` list (10 min). */
  balanceCacheMs?: number;
  fpsBanksCacheMs?: number;
  /** The metrics hook for each balance read (observability/metrics.ts walletBalanceRecorder). */
  onBalance?: (b: WalletBalance) => void;
  /** Signed callbacks to the backend; off (the activity refuses) when absent. */
  callbacks?: BackendCallbackConfig;
  /** The payout-ID registry; absent only in local dev (the worker's config refuses that otherwise). */
  registry?: PayoutRegistry;
}

/**
 * One key per init the workflow means: retries of an attempt share it (the bank answers a processed one
 * `idempotency_key_already_exists`); a new attempt after a refusal needs its own, as the refused key is spent.
 */
export function initIdempotencyKey(input: Pick<InitPayoutInput, 'workflowId' | 'attempt'>): string {
  return input.attempt && input.attempt > 1
    ? `${input.workflowId}:init:${input.attempt}`
    : `${input.workflowId}:init`;
}

/** Maps a client failure to the ApplicationFailure the workflow's retry policy understands. */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof Bank131BusinessError) {
    if (RETRYABLE_BANK_CODES.has(err.code)) {
      return ApplicationFailure.create({
        message: err.message,
        type: FAILURE_TYPES.bankUnavailable,
        nonRetryable: false,
      });
    }
    const details: BankRejectionDetails = {
      code: err.code,
      description: err.description,
      endpoint: err.endpoint,
      ...(err.rejectReasons ? { rejectReasons: err.rejectReasons } : {}),
    };
    return ApplicationFailure.nonRetryable(err.message, FAILURE_TYPES.bankRejected, details);
  }
  if (err instanceof Bank131UnrecognisedAnswerError) {
    return ApplicationFailure.create({
      message: err.message,
      type: FAILURE_TYPES.bankUnrecognised,
      nonRetryable: false,
    });
  }
  if (err instanceof Bank131TransportError) {
    return ApplicationFailure.create({
      message: err.message,
      type: FAILURE_TYPES.bankUnavailable,
      nonRetryable: false,
      nextRetryDelay: err.retryAfterMs,
    });
  }
  return err;
}

/** What a refused confirm/cancel said, or undefined when the refusal only means "already done". */
function refusalOf(err: unknown): SessionStepResult['refusal'] | 'rethrow' | undefined {
  if (err instanceof Bank131BusinessError) {
    if (RETRYABLE_BANK_CODES.has(err.code)) return 'rethrow';
    if (ALREADY_DONE_BANK_CODES.has(err.code)) return undefined;
    return {
      kind: 'rejected',
      code: err.code,
      description: err.description,
      ...(err.rejectReasons ? { rejectReasons: err.rejectReasons } : {}),
    };
  }
  if (err instanceof Bank131UnrecognisedAnswerError) {
    return { kind: 'unrecognised', code: `http_${err.httpStatus}`, description: err.detail };
  }
  return 'rethrow';
}

/** Claim the payout ID, reserve velocity: a claim by another run is a non-retryable refusal. */
export function registerPayoutWith(registry: PayoutRegistry | undefined, logger: Logger) {
  return async (input: RegisterPayoutInput): Promise<RegisterPayoutResult> => {
    if (!registry) {
      logger.warn(
        { workflowId: input.workflowId },
        'NO PAYOUT REGISTRY (local dev): payout ID not claimed, velocity limits not checked',
      );
      return { registry: 'absent' };
    }
    const outcome = await registry.register(
      {
        payoutId: input.payoutId,
        workflowId: input.workflowId,
        runId: input.runId,
        requestHash: input.requestHash,
      },
      input.velocity,
    );
    if (outcome.kind === 'claimed_by_another_run') {
      const { claim } = outcome;
      throw ApplicationFailure.nonRetryable(
        `payout ID ${input.payoutId} was already claimed by run ${claim.runId} at ${claim.claimedAt}: ` +
          'a payout ID starts one money movement only, even after its workflow is gone; use a new payout ID',
        FAILURE_TYPES.payoutIdClaimed,
        { runId: claim.runId, claimedAt: claim.claimedAt },
      );
    }
    return { registry: 'recorded', velocity: outcome.velocity ?? { count: 0, amount: 0 } };
  };
}

/**
 * How long the start's local activity waits for the wallet balance. A slower bank is not waited for there
 * (the local activity must stay short): the workflow then reads the balance itself, with retries.
 */
const BALANCE_PREFETCH_MS = 3_000;

/** The answer if it comes within `ms`; undefined on a fault or when late. */
async function answerWithin<T>(answer: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined)));
  try {
    return await Promise.race([answer.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function createActivities(deps: ActivityDeps): PayoutActivities & CallbackActivities {
  return { ...createBankActivities(deps), ...createCallbackActivities(deps.callbacks, deps.logger) };
}

function createBankActivities(deps: ActivityDeps): PayoutActivities {
  const { bank131, settings, logger, registry } = deps;
  const methods = methodActivities(deps);
  const guarded =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toActivityFailure(err);
      }
    };

  /**
   * confirm/cancel: any answer but a clean success or a transport fault sends us to `session/status`; the
   * session's state decides what happened. A transport fault is retried with the same idempotency key.
   */
  const sessionStep = async (
    step: () => Promise<SessionSnapshot>,
    input: SessionStepInput,
    what: string,
  ): Promise<SessionStepResult> => {
    try {
      return await step();
    } catch (err) {
      const refusal = refusalOf(err);
      if (refusal === 'rethrow') throw err;
      logger.warn(
        {
          workflowId: input.workflowId,
          sessionId: input.sessionId,
          refusal: refusal?.code ?? 'already_done',
        },
        `${what} not accepted as sent: reading session status`,
      );
      const session = toSessionSnapshot(await bank131.status(input.sessionId));
      // The odd answer did not take effect: retry the step under the same idempotency key.
      if (refusal?.kind === 'unrecognised' && classifySession(session).kind === 'awaiting_confirm') throw err;
      return refusal ? { ...session, refusal } : session;
    }
  };

  return {
    loadPayoutSettings: () => Promise.resolve(settings),

    preparePayout: async ({ currency }): Promise<PreparedPayout> => {
      if (!settings.methods?.balanceCheck) return { settings };
      const balance = await answerWithin(methods.getWalletBalance({ currency }), BALANCE_PREFETCH_MS);
      return balance ? { settings, balance } : { settings };
    },

    registerPayout: registerPayoutWith(registry, logger),

    tokenizeAccount: guarded(async (input: TokenizeInput): Promise<TokenizeResult> => {
      const account = { bik: input.bik, account: input.account };
      const result = await bank131.tokenize(account, `${input.workflowId}:tokenize`).catch((err: unknown) => {
        // An earlier attempt was processed but its answer (the token) was lost. Tokenizing again moves no
        // money, so ask once more without the key.
        if (err instanceof Bank131BusinessError && ALREADY_DONE_BANK_CODES.has(err.code)) {
          return bank131.tokenize(account);
        }
        throw err;
      });
      const maskedAccount = result.maskedAccount ?? maskAccount(input.account);
      // Routine steps at debug: the workflow logs one line per payout when it ends (issue 14).
      logger.debug({ workflowId: input.workflowId, maskedAccount }, 'account tokenized');
      return { token: result.token, maskedAccount };
    }),

    getTokenInfo: guarded(async (input: { token: string }): Promise<TokenInfoResult> => {
      try {
        return { ...(await bank131.tokenInfo(input.token)), verified: true };
      } catch (err) {
        // The bank-account shape of token/info is a guess: a refusal or an odd answer leaves the token
        // unverified, and ready_to_confirm's recipient check still guards the money.
        if (err instanceof Bank131BusinessError || err instanceof Bank131UnrecognisedAnswerError) {
          return { verified: false, note: err.message };
        }
        throw err;
      }
    }),

    initPayout: guarded(async (input: InitPayoutInput): Promise<InitPayoutResult> => {
      try {
        const metadata = input.runTag ? initMetadata(input.workflowId, input.runTag) : input.workflowId;
        const session = await bank131.initPayout(
          input.recipient
            ? initPayoutBody({
                recipient: input.recipient,
                accountToken: input.token || undefined,
                description: input.description,
                amount: input.amount,
                currency: input.currency,
                metadata,
              })
            : {
                payment_method: {
                  type: 'bank_account',
                  bank_account: {
                    system_type: 'ru',
                    ru: { token: input.token, full_name: input.fullName, description: input.description },
                  },
                },
                amount_details: { amount: input.amount, currency: input.currency },
                metadata,
              },
          initIdempotencyKey(input),
        );
        logger.debug({ workflowId: input.workflowId, sessionId: session.id }, 'payout initiated');
        return { kind: 'initiated', session: toSessionSnapshot(session) };
      } catch (err) {
        if (err instanceof Bank131BusinessError && ALREADY_DONE_BANK_CODES.has(err.code)) {
          logger.warn({ workflowId: input.workflowId }, 'init already done by an earlier attempt');
          return { kind: 'already_initiated' };
        }
        // Any other refusal, on any attempt, is the bank's "no": had an earlier attempt created the session,
        // the same key would be answered `idempotency_key_already_exists`. And without our confirm no money
        // can move from a session we never learned of (docs/bank131-assumptions.md).
        throw err;
      }
    }),

    confirmPayout: guarded((input: SessionStepInput) =>
      sessionStep(
        async () => toSessionSnapshot(await bank131.confirm(input.sessionId, `${input.workflowId}:confirm`)),
        input,
        'confirm',
      ),
    ),

    cancelPayout: guarded((input: SessionStepInput) =>
      sessionStep(
        async () => toSessionSnapshot(await bank131.cancel(input.sessionId, `${input.workflowId}:cancel`)),
        input,
        'cancel',
      ),
    ),

    getSessionStatus: guarded(async (input: { sessionId: string }) =>
      toSessionSnapshot(await bank131.status(input.sessionId)),
    ),

    ...methods,
  };
}
