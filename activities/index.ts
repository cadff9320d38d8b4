/**
 * Bank 131 activities: thin wrappers over the client that send one idempotency key per step and turn bank
 * failures into the two kinds Temporal's retry policy needs.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Bank131Client } from '../bank131/client';
import {
  Bank131BusinessError,
  Bank131TransportError,
  CHECK_STATUS_BANK_CODES,
  RETRYABLE_BANK_CODES,
} from '../bank131/errors';
import { maskAccount, toSessionSnapshot, type SessionSnapshot } from '../bank131/session';
import type { PayoutSettings } from '../config';
import type { Logger } from '../observability/logger';
import {
  FAILURE_TYPES,
  type BankRejectionDetails,
  type InitPayoutInput,
  type InitPayoutResult,
  type PayoutActivities,
  type SessionStepInput,
  type TokenizeInput,
  type TokenizeResult,
} from './types';

export interface ActivityDeps {
  bank131: Bank131Client;
  settings: PayoutSettings;
  logger: Logger;
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
    };
    return ApplicationFailure.nonRetryable(err.message, FAILURE_TYPES.bankRejected, details);
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

export function createActivities({ bank131, settings, logger }: ActivityDeps): PayoutActivities {
  const guarded =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toActivityFailure(err);
      }
    };

  /** The step was already done, or can no longer be done: the session's current state decides. */
  const orCurrentState = async (
    step: () => Promise<SessionSnapshot>,
    input: SessionStepInput,
    what: string,
  ) => {
    try {
      return await step();
    } catch (err) {
      if (err instanceof Bank131BusinessError && CHECK_STATUS_BANK_CODES.has(err.code)) {
        logger.info(
          { workflowId: input.workflowId, sessionId: input.sessionId, code: err.code },
          `${what}: reading session status`,
        );
        return toSessionSnapshot(await bank131.status(input.sessionId));
      }
      throw err;
    }
  };

  return {
    loadPayoutSettings: () => Promise.resolve(settings),

    tokenizeAccount: guarded(async (input: TokenizeInput): Promise<TokenizeResult> => {
      const account = { bik: input.bik, account: input.account };
      const result = await bank131.tokenize(account, `${input.workflowId}:tokenize`).catch((err: unknown) => {
        // An earlier attempt was processed but its answer (the token) was lost. Tokenizing again moves no
        // money, so ask once more without the key.
        if (err instanceof Bank131BusinessError && err.code === 'idempotency_key_already_exists') {
          return bank131.tokenize(account);
        }
        throw err;
      });
      const maskedAccount = result.maskedAccount ?? maskAccount(input.account);
      logger.info({ workflowId: input.workflowId, maskedAccount }, 'account tokenized');
      return { token: result.token, maskedAccount };
    }),

    getTokenInfo: guarded((input: { token: string }) => bank131.tokenInfo(input.token)),

    initPayout: guarded(async (input: InitPayoutInput): Promise<InitPayoutResult> => {
      try {
        const session = await bank131.initPayout(
          {
            payment_method: {
              type: 'bank_account',
              bank_account: {
                system_type: 'ru',
                ru: { token: input.token, full_name: input.fullName, description: input.description },
              },
            },
            amount_details: { amount: input.amount, currency: input.currency },
            metadata: input.workflowId,
          },
          `${input.workflowId}:init`,
        );
        logger.info({ workflowId: input.workflowId, sessionId: session.id }, 'payout initiated');
        return { kind: 'initiated', session: toSessionSnapshot(session) };
      } catch (err) {
        if (err instanceof Bank131BusinessError && err.code === 'idempotency_key_already_exists') {
          logger.warn({ workflowId: input.workflowId }, 'init already done by an earlier attempt');
          return { kind: 'already_initiated' };
        }
        throw err;
      }
    }),

    confirmPayout: guarded((input: SessionStepInput) =>
      orCurrentState(
        async () => toSessionSnapshot(await bank131.confirm(input.sessionId, `${input.workflowId}:confirm`)),
        input,
        'confirm',
      ),
    ),

    cancelPayout: guarded((input: SessionStepInput) =>
      orCurrentState(
        async () => toSessionSnapshot(await bank131.cancel(input.sessionId, `${input.workflowId}:cancel`)),
        input,
        'cancel',
      ),
    ),

    getSessionStatus: guarded(async (input: { sessionId: string }) =>
      toSessionSnapshot(await bank131.status(input.sessionId)),
    ),
  };
}
