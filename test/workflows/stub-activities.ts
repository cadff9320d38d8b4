/**
 * A small scriptable fake Bank 131 behind stub `PayoutActivities`, for running the real payout workflow on the
 * time-skipping test server. This is the ONLY file of the workflow tests that knows the activity names: tests
 * speak of bank operations (`tokenize`, `init`, `confirm`, `cancel`, `status`) and session states.
 *
 * Every call is recorded with its time on the test server's clock (the activity's scheduled time), so tests
 * can check how long the workflow waited, not only what it did.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  FAILURE_TYPES,
  type BankRejectionDetails,
  type InitPayoutResult,
  type PayoutActivities,
  type RegisterPayoutInput,
  type RegisterPayoutResult,
  type SessionStepResult,
  type WalletBalance,
} from '../../activities/types';
import { maskAccount } from '../../bank131/accounts';
import { webhookDedupKey, type SessionSnapshot } from '../../bank131/session';
import { loadPayoutSettings } from '../../config';
import type { PayoutSettings } from '../../policy/settings';
import type { PayoutRequest, WebhookSignal } from '../../workflows/messages';
import { payoutWorkflowId } from '../../policy/payout-request';

export type BankOperation = 'tokenize' | 'tokenInfo' | 'init' | 'confirm' | 'cancel' | 'status';

/** The Bank 131 endpoint behind each operation, as a refusal names it. */
const ENDPOINTS: Record<BankOperation, string> = {
  tokenize: 'tokenize',
  tokenInfo: 'token/info',
  init: 'session/init/payout',
  confirm: 'session/confirm',
  cancel: 'session/cancel',
  status: 'session/status',
};

export interface BankCall {
  op: BankOperation;
  /** When the workflow scheduled this attempt, on the test server's (skipped) clock. */
  atMs: number;
  input: unknown;
}

/** The session's life at the bank, as our workflow can observe it. */
export type SessionState =
  /** Initiated, being checked by the bank: not yet awaiting our confirmation. */
  | 'created'
  /** `ready_to_confirm`: awaits our confirm or cancel. */
  | 'ready'
  /** Confirmed, money on its way. */
  | 'processing'
  | 'succeeded'
  /** The recipient's bank declined it after our confirm. */
  | 'failed'
  /** Cancelled at our request. */
  | 'cancelled';

/** The production defaults: the same function the worker uses, with no environment overrides. */
export function defaultPayoutSettings(): PayoutSettings {
  return loadPayoutSettings({});
}

let payouts = 0;

export class FakeBank {
  readonly settings: PayoutSettings = defaultPayoutSettings();
  readonly calls: BankCall[] = [];
  /** The wallet (`wallet/balance`); its reads are kept apart from `calls` (on the server's clock). */
  walletBalance = Number.MAX_SAFE_INTEGER;
  /**
   * When the balance was read. A local activity's time is the worker's real clock, not the time-skipping
   * server's: tests place it at the workflow's start, where the start's local activity runs.
   */
  readonly balanceReads: { atMs: number; local: boolean }[] = [];
  readonly workflowId: string;
  readonly request: PayoutRequest;
  readonly sessionId: string;
  readonly token: string;
  readonly maskedAccount: string;

  /** What `session/status` answers; tests script it, e.g. as a function of the time since the confirm. */
  onStatus: (call: BankCall) => SessionSnapshot = () => this.session('created');
  /** What `session/init/payout` answers; by default the session, created. */
  onInit: (call: BankCall) => InitPayoutResult = () => ({
    kind: 'initiated',
    session: this.session('created'),
  });
  /** What `session/confirm` answers (with a `refusal` when the bank did not accept it as sent). */
  onConfirm: (call: BankCall) => SessionStepResult = () => this.session('processing');
  /** What the payout registry answers (throw for an unreachable registry); by default the recipient's first today. */
  onRegister: (input: RegisterPayoutInput) => RegisterPayoutResult = (input) => ({
    registry: 'recorded',
    velocity: { count: 1, amount: input.velocity.amount },
  });
  /** When each registry attempt was scheduled, on the test server's clock. */
  readonly registryAttemptsAtMs: number[] = [];
  /** What `session/cancel` answers. */
  onCancel: (call: BankCall) => SessionSnapshot = () => this.session('cancelled');

  constructor(opts: { amount: number; name: string }) {
    payouts += 1;
    const payoutId = `${opts.name}-${payouts}-${Date.now().toString(36)}`;
    const account = '40817810099910004312';
    this.workflowId = payoutWorkflowId(payoutId);
    this.sessionId = `ps_${payoutId}`;
    this.token = `tok_${payoutId}`;
    this.maskedAccount = maskAccount(account);
    this.request = {
      payoutId,
      amount: opts.amount,
      currency: this.settings.policy.currencies[0] ?? 'rub',
      recipient: { kind: 'account', bik: '044525974', account, fullName: 'Иванов Иван Иванович' },
      description: `test payout ${payoutId}`,
    };
  }

  /** The session as the bank would report it in `state`, matching our request (so the policy accepts it). */
  session(state: SessionState): SessionSnapshot {
    const final = state === 'succeeded' || state === 'failed' || state === 'cancelled';
    const errorCode =
      state === 'cancelled'
        ? 'session_cancelled_by_partner'
        : state === 'failed'
          ? 'recipient_declined'
          : undefined;
    return {
      sessionId: this.sessionId,
      status: state === 'succeeded' ? 'accepted' : final ? 'cancelled' : 'in_progress',
      ...(state === 'ready' ? { nextAction: 'confirm' } : {}),
      payout: {
        id: `po_${this.request.payoutId}`,
        status:
          state === 'succeeded'
            ? 'succeeded'
            : final
              ? 'failed'
              : state === 'created'
                ? 'in_progress'
                : 'pending',
        amount: this.request.amount,
        currency: this.request.currency,
        recipientToken: this.token,
        recipientMaskedAccount: this.maskedAccount,
        recipientFullName: this.request.recipient.fullName,
        metadata: this.workflowId,
        ...(errorCode ? { errorCode } : {}),
        refunds: [],
      },
    };
  }

  /** A webhook as the gateway signals it, for a session in `state`. */
  webhook(type: 'ready_to_confirm' | 'payment_finished', state: SessionState): WebhookSignal {
    const session = this.session(state);
    return { type, dedupKey: webhookDedupKey(type, session), session, receivedAt: new Date().toISOString() };
  }

  /** The bank's "no" to `op`, as the activities report a business refusal (throw it from an `on…` script). */
  refusal(op: BankOperation, code: string): ApplicationFailure {
    const details: BankRejectionDetails = { code, endpoint: ENDPOINTS[op] };
    return ApplicationFailure.nonRetryable(
      `bank refused ${op}: ${code}`,
      FAILURE_TYPES.bankRejected,
      details,
    );
  }

  callsTo(op: BankOperation): BankCall[] {
    return this.calls.filter((c) => c.op === op);
  }

  count(op: BankOperation): number {
    return this.callsTo(op).length;
  }

  /** Counts of every operation, e.g. `{ tokenize: 1, init: 1, cancel: 1 }`: one assertion shows them all. */
  counts(): Partial<Record<BankOperation, number>> {
    const counts: Partial<Record<BankOperation, number>> = {};
    for (const c of this.calls) counts[c.op] = (counts[c.op] ?? 0) + 1;
    return counts;
  }

  private record(op: BankOperation, input: unknown): BankCall {
    const call: BankCall = { op, atMs: Context.current().info.currentAttemptScheduledTimestampMs, input };
    this.calls.push(call);
    return call;
  }

  /** The stub activities the worker runs: each records the call and answers from this bank's script. */
  private readBalance(currency: string): WalletBalance {
    const { currentAttemptScheduledTimestampMs: atMs, isLocal: local } = Context.current().info;
    this.balanceReads.push({ atMs, local });
    return { amount: this.walletBalance, currency, readAt: new Date(atMs).toISOString() };
  }

  activities(): PayoutActivities {
    return {
      loadPayoutSettings: () => Promise.resolve(this.settings),
      preparePayout: ({ currency }) =>
        Promise.resolve(
          this.settings.methods?.balanceCheck
            ? { settings: this.settings, balance: this.readBalance(currency) }
            : { settings: this.settings },
        ),
      // The registry (not the bank). The real registry has its own tests against PostgreSQL
      // (test/integration/payout-registry.test.ts).
      registerPayout: (input) => {
        this.registryAttemptsAtMs.push(Context.current().info.currentAttemptScheduledTimestampMs);
        return Promise.resolve(this.onRegister(input));
      },
      tokenizeAccount: (input) => {
        this.record('tokenize', input);
        return Promise.resolve({ token: this.token, maskedAccount: this.maskedAccount });
      },
      getTokenInfo: (input) => {
        this.record('tokenInfo', input);
        return Promise.resolve({ maskedAccount: this.maskedAccount });
      },
      initPayout: (input) => Promise.resolve(this.onInit(this.record('init', input))),
      confirmPayout: (input) => Promise.resolve(this.onConfirm(this.record('confirm', input))),
      cancelPayout: (input) => Promise.resolve(this.onCancel(this.record('cancel', input))),
      getSessionStatus: (input) => Promise.resolve(this.onStatus(this.record('status', input))),
      // Payout methods (issue 15): not part of these tests' call counts; by default the wallet covers any payout.
      checkSbpBank: () => Promise.resolve({ listed: true }),
      verifySbpRecipient: () => Promise.reject(new Error('no SBP in the workflow stub bank')),
      getWalletBalance: ({ currency }) => Promise.resolve(this.readBalance(currency)),
    };
  }
}
