/**
 * Activities for the payout methods: the SBP bank list and recipient check, and the wallet balance read
 * before init. The list and the balance are cached per worker process; neither ever fails a payout by
 * itself on an answer it cannot read (the bank's own init and ready_to_confirm still guard the money).
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDeps } from './index';
import { sbpVerificationBody } from '../bank131/payout-details';
import {
  ALREADY_DONE_BANK_CODES,
  Bank131BusinessError,
  Bank131UnrecognisedAnswerError,
} from '../bank131/errors';
import { toSessionSnapshot } from '../bank131/session-read';
import { FAILURE_TYPES, type PayoutActivities, type SbpBankCheck, type WalletBalance } from './types';

type MethodActivities = Pick<PayoutActivities, 'checkSbpBank' | 'verifySbpRecipient' | 'getWalletBalance'>;

/** One value per process, reused for `ttlMs`; concurrent callers share one request. */
function cached<T>(ttlMs: number, load: () => Promise<T>): () => Promise<T> {
  let entry: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (entry && Date.now() - entry.at < ttlMs) return entry.value;
    const value = load();
    entry = { at: Date.now(), value };
    // A failed read is not kept.
    value.catch(() => (entry = undefined));
    return value;
  };
}

const unreadable = (err: unknown) =>
  err instanceof Bank131BusinessError || err instanceof Bank131UnrecognisedAnswerError;

export function methodActivities(deps: ActivityDeps): MethodActivities {
  const { bank131, logger } = deps;
  const banks = cached(deps.fpsBanksCacheMs ?? 10 * 60_000, () => bank131.fpsBanks());
  const wallets = cached(deps.balanceCacheMs ?? 5_000, async () => ({
    wallets: await bank131.walletBalance(),
    readAt: new Date().toISOString(),
  }));

  return {
    checkSbpBank: async ({ bankId }): Promise<SbpBankCheck> => {
      try {
        const list = await banks();
        // An empty list says nothing about this bank.
        if (list.length === 0) return { note: 'fps/banks listed no bank' };
        const bank = list.find((b) => b.id === bankId);
        return bank ? { listed: true, name: bank.name } : { listed: false };
      } catch (err) {
        logger.warn({ bankId, err: String(err) }, 'fps/banks unavailable: bank ID not checked');
        return { note: err instanceof Error ? err.message : String(err) };
      }
    },

    verifySbpRecipient: async (input) => {
      try {
        const session = await bank131.fpsVerification(
          sbpVerificationBody(input.phone, input.bankId, input.fullName),
          `${input.workflowId}:fps-verification`,
        );
        return toSessionSnapshot(session);
      } catch (err) {
        if (err instanceof Bank131BusinessError && ALREADY_DONE_BANK_CODES.has(err.code)) {
          // An earlier attempt started the check but its answer (the session ID) was lost: no answer, not a "no".
          throw ApplicationFailure.nonRetryable(err.message, 'SbpVerificationAnswerLost');
        }
        if (err instanceof Bank131BusinessError) {
          // The bank's "no" (e.g. the phone is not in SBP) is the check's answer, not a failure.
          throw ApplicationFailure.nonRetryable(err.message, FAILURE_TYPES.bankRejected, {
            code: err.code,
            description: err.description,
            endpoint: err.endpoint,
          });
        }
        throw err;
      }
    },

    getWalletBalance: async ({ currency }): Promise<WalletBalance> => {
      let read: Awaited<ReturnType<typeof wallets>>;
      try {
        read = await wallets();
      } catch (err) {
        if (!unreadable(err)) throw err;
        return { currency, readAt: new Date().toISOString(), note: err.message };
      }
      const inCurrency = read.wallets.filter((w) => w.currency?.toLowerCase() === currency.toLowerCase());
      const amounts = inCurrency.map((w) => w.amount);
      const balance: WalletBalance =
        amounts.length === 0 || amounts.some((a) => a === undefined)
          ? { currency, readAt: read.readAt, note: `no readable ${currency} wallet` }
          : { currency, readAt: read.readAt, amount: amounts.reduce<number>((s, a) => s + a!, 0) };
      deps.onBalance?.(balance);
      return balance;
    },
  };
}
