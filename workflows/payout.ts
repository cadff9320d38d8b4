/**
 * One payout, one workflow: tokenize → init → wait for `ready_to_confirm` → policy (→ approval) →
 * confirm or cancel → wait for `payment_finished`. Webhooks arrive as signals; when one is late, or an answer
 * is ambiguous, the workflow asks the bank (`session/status`) instead of guessing, and ends `unknown` for an
 * operator when the bank cannot tell. Decisions live in pure modules (policy/payout-policy.ts,
 * workflows/payout-state.ts); this file only sequences them.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  metricMeter,
  patched,
  proxyActivities,
  type ActivityOptions,
  type RetryPolicy,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  BankRejectionDetails,
  PayoutActivities,
  SessionStepResult,
  WalletBalance,
} from '../activities/types';
import { FAILURE_TYPES } from '../activities/types';
import { WALLET_SHORT_BANK_CODE } from '../bank131/errors';
import { classifySession, UNKNOWN_STATUS, type SessionSnapshot } from '../bank131/session';
import type { PayoutSettings, PayoutTimeouts, PolicyConfig, PolicyDecision } from '../policy/settings';
import { decidePayout } from '../policy/payout-policy';
import { describeRecipient, payeeOf, sbpVerdict, type SbpVerdict } from '../policy/recipients';
import { fourEyesRefusal, operatorIdentityProblem } from '../policy/operators';
import { recipientVelocityKey, velocityDay, type VelocityTotals } from '../policy/velocity';
import {
  InvalidPayoutRequestError,
  parsePayoutRequest,
  payoutWorkflowId,
  requestHash,
} from '../policy/payout-request';
import {
  approveUpdate,
  cancelUpdate,
  paymentFinishedSignal,
  paymentRefundedSignal,
  readyToConfirmSignal,
  rejectUpdate,
  statusQuery,
  webhookUnreadableSignal,
  type BankError,
  type CancelReason,
  type OperatorAction,
  type PayoutResult,
  type PayoutStep,
  type PayoutWorkflowInput,
  type SbpCheck,
  type SbpRecipient,
  type WebhookSignal,
} from './messages';
import {
  CANCELLABLE_STEPS,
  PUBLISHED_STEPS,
  adoptSession,
  applySnapshot,
  applyWebhook,
  settle,
  namesThisRun,
  newRecord,
  outcomeOfFinal,
  recordEvent,
  setStep,
  type PayoutRecord,
} from './payout-state';
import { startBackendCallback } from './backend-callback';
import { currentDetails, formatAmount, summaries } from './ui-details';
import { payoutFinishedEvent } from './callback-events';
import { Bank131SessionIdKey, PayoutStatusKey, PayoutStepKey } from './search-attributes';
import { currentTraceContext, inTraceOf } from './trace-context';

const bankRetry: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  nonRetryableErrorTypes: [FAILURE_TYPES.bankRejected],
};

/**
 * Session steps (init, confirm, cancel) retry for a long time under the same idempotency key: a retry can
 * never do the step twice, and giving up early would leave the bank half-way. Calls that create nothing
 * the bank could act on (tokenize, token/info, status) give up sooner.
 */
function bankActivities(bankCallTimeoutMs: number) {
  return {
    sessionSteps: proxyActivities<PayoutActivities>({
      startToCloseTimeout: bankCallTimeoutMs,
      scheduleToCloseTimeout: '2h',
      retry: bankRetry,
    }),
    quickCalls: proxyActivities<PayoutActivities>({
      startToCloseTimeout: bankCallTimeoutMs,
      scheduleToCloseTimeout: '10m',
      retry: bankRetry,
    }),
  };
}
/** Payouts started before the bank call timeout became a setting. */
const LEGACY_BANK_CALL_TIMEOUT_MS = 60_000;

/**
 * The payout-ID registry (PostgreSQL, not the bank): retried for up to an hour while it is unreachable,
 * then the payout fails with nothing sent to the bank. A claim by another run is final.
 */
const registryActivities = proxyActivities<PayoutActivities>({
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '1h',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes: [FAILURE_TYPES.payoutIdClaimed],
  },
});

const settingsActivity = proxyLocalActivities<PayoutActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 5 },
});

/**
 * A balance read by the start's local activity is used for the funds check when it is this recent (the
 * registry claim between them takes milliseconds); an older one is read again.
 */
const PREFETCHED_BALANCE_MAX_AGE_MS = 15_000;
/**
 * `awaiting_finish` is published (a search-attribute upsert: a history event and a visibility write) only
 * once the payout has waited this long for `payment_finished`: most payouts finish sooner.
 */
const AWAITING_FINISH_PUBLISH_AFTER_MS = 60_000;

/** The workflow's changes that altered the commands it emits, as one run takes them. */
interface PayoutChanges {
  fewerSearchAttributeUpserts: boolean;
  balanceBeforeInit: boolean;
  payoutIdRegistry: boolean;
  uiSummaries: boolean;
  metadataRunTag: boolean;
  /** Asked only when the payout ends, as it always was. */
  backendCallbacks: () => boolean;
  /** Settings and the first balance read in one local activity; `awaiting_finish` published once it lasts. */
  leanHistory: boolean;
}

/**
 * Every patch marker costs each new payout two history events (the marker and the SDK's
 * `TemporalChangeVersion` upsert). A run started on this code records one, `payout-v2`, standing for every
 * change below; runs started before it replay with the patch each change had, asked in the same order.
 */
function changesTaken(): PayoutChanges {
  if (patched('payout-v2')) {
    return {
      fewerSearchAttributeUpserts: true,
      balanceBeforeInit: true,
      payoutIdRegistry: true,
      uiSummaries: true,
      metadataRunTag: true,
      backendCallbacks: () => true,
      leanHistory: true,
    };
  }
  return {
    fewerSearchAttributeUpserts: patched('fewer-search-attribute-upserts'),
    // Asked before the first await: a patch asked only after the settings' local activity failed to replay.
    balanceBeforeInit: patched('balance-before-init'),
    // Asked before any await: a patch marker after the settings' local-activity marker was seen to replay
    // nondeterministically on the time-skipping server.
    payoutIdRegistry: patched('payout-id-registry'),
    uiSummaries: patched('ui-summaries'),
    metadataRunTag: patched('metadata-run-tag'),
    backendCallbacks: () => patched('backend-callbacks'),
    leanHistory: false,
  };
}

const now = (): string => new Date(Date.now()).toISOString();
/** `initiate`'s answer when the bank refused init because the wallet is short (see initiateWhenFunded). */
const WALLET_SHORT = Symbol('wallet short');
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The bank's refusal, when an activity failed because the bank said no. */
function bankRejection(err: unknown): BankRejectionDetails | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== FAILURE_TYPES.bankRejected) return undefined;
  const details = err.cause.details?.[0] as BankRejectionDetails | undefined;
  return details ?? { code: 'unknown', endpoint: 'unknown' };
}

export async function payoutWorkflow(input: PayoutWorkflowInput): Promise<PayoutResult> {
  return new Payout(input).run();
}

class Payout {
  private readonly workflowId = workflowInfo().workflowId;
  private readonly record: PayoutRecord;
  private readonly finishedCounter = metricMeter.createCounter(
    'payouts_finished',
    'payouts',
    'Payouts finished, by outcome',
  );
  /** Asked first, before any await: which of the workflow's changes this run takes. */
  private readonly changes = changesTaken();
  private published = '';
  private settings!: PayoutSettings;
  /** The wallet balance the start's local activity read, if it did, and when (workflow time) it returned. */
  private prefetched: { balance: WalletBalance; at: number } | undefined;
  private banking!: ReturnType<typeof bankActivities>;
  /** Which init this is: the first, or a later one after the bank refused an earlier for the wallet. */
  private initAttempt = 1;
  /** When waiting for funds gives up: set when the payout first waits, and kept across init refusals. */
  private fundsDeadline: number | undefined;
  /** Set once a confirm may have reached the bank: from then on only the bank's word ends the payout. */
  private confirmSent = false;
  /** The recipient's totals today from the registry, this payout included (absent without a registry). */
  private velocity: VelocityTotals | undefined;
  /** An authentic webhook about us could not be read (or said too little): ask the bank now. */
  private askBankNow = false;
  /** The trace of the `ready_to_confirm` webhook: the decision and the confirm or cancel it causes join it. */
  private readyTrace?: ReturnType<typeof currentTraceContext>;

  constructor(private readonly input: PayoutWorkflowInput) {
    // Payouts started before run tags existed keep sending the bare workflow ID as metadata.
    const runTag = this.changes.metadataRunTag ? workflowInfo().firstExecutionRunId : undefined;
    this.record = newRecord(input.request, now(), runTag);
    // Replay-safe: the SDK does not emit workflow metrics while replaying history.
    metricMeter.createCounter('payouts_started', 'payouts', 'Payout workflows started').add(1);
    this.setupHandlers();
  }

  private get timeouts(): PayoutTimeouts {
    return this.settings.timeouts;
  }

  async run(): Promise<PayoutResult> {
    this.refuseInvalidInput();
    if (this.changes.leanHistory) {
      const prepared = await settingsActivity.preparePayout({ currency: this.input.request.currency });
      this.settings = prepared.settings;
      if (prepared.balance) this.prefetched = { balance: prepared.balance, at: Date.now() };
    } else {
      this.settings = await settingsActivity.loadPayoutSettings();
    }
    this.refuseInvalidInput(this.settings.policy);
    this.banking = bankActivities(this.timeouts.bankCallTimeoutMs ?? LEGACY_BANK_CALL_TIMEOUT_MS);
    if (this.changes.payoutIdRegistry) {
      const unregistered = await this.register();
      if (unregistered) return unregistered;
    }

    this.record.view.recipient = describeRecipient(this.input.request.recipient);
    const notPaid = (await this.checkRecipient()) ?? (await this.awaitFunds());
    if (notPaid) return notPaid;

    const token = await this.obtainToken();
    if (typeof token !== 'string') return token;
    if (this.record.view.cancelRequest) return this.end('cancelled', { cancelReason: 'operator' });

    const initFailure = await this.initiateWhenFunded(token);
    if (initFailure) return initFailure;

    const ready = await this.awaitReady();
    if (!ready) return this.record.final ? this.endFromFinal(this.record.final) : this.endUnknown();

    return inTraceOf(this.readyTrace, () => this.decideAndAct(ready, token));
  }

  /** 4–6: policy (and approval), then confirm and await the end, or cancel. */
  private async decideAndAct(ready: SessionSnapshot, token: string): Promise<PayoutResult> {
    const decision = this.decide(ready, token);
    const cancelReason = await this.cancelReasonAfter(decision);
    if (cancelReason === 'finished') return this.endFromFinal(this.record.final!);
    if (cancelReason) return this.cancelSession(ready.sessionId, cancelReason);
    return this.confirmAndAwaitFinish(ready.sessionId);
  }

  /**
   * The workflow trusts no starter: the request must pass the client's own rules (and, once the worker's
   * settings are known, its limits), carry the hash of itself, and run under its own workflow ID. Fails
   * before any bank call; nothing is retried.
   */
  private refuseInvalidInput(policy?: PolicyConfig): void {
    const { request, requestHash: hash } = this.input;
    const problems: string[] = [];
    try {
      parsePayoutRequest(request, policy);
    } catch (err) {
      if (!(err instanceof InvalidPayoutRequestError)) throw err;
      problems.push(...err.problems);
    }
    const { startedBy } = this.input;
    if (startedBy !== undefined && operatorIdentityProblem(startedBy))
      problems.push(`startedBy: ${operatorIdentityProblem(startedBy)}`);
    if (problems.length === 0) {
      if (hash !== requestHash(request)) problems.push('requestHash: does not match the request');
      if (this.workflowId !== payoutWorkflowId(request.payoutId))
        problems.push(`workflow ID: must be ${payoutWorkflowId(request.payoutId)}`);
    }
    if (problems.length > 0) {
      throw ApplicationFailure.nonRetryable(
        `invalid payout request: ${problems.join('; ')}`,
        'InvalidPayoutRequest',
      );
    }
  }

  // ---- handlers ----

  /** Every signal, query and update, registered before the first await so buffered signals land here. */
  private setupHandlers(): void {
    const record = this.record;
    setHandler(statusQuery, () => record.view);
    const onWebhook = (signal: WebhookSignal) => {
      const hadReady = record.ready !== undefined;
      const verdict = applyWebhook(record, signal, now(), this.workflowId);
      if (!hadReady && record.ready !== undefined) this.readyTrace = currentTraceContext();
      if (verdict === 'foreign_session')
        log.warn('webhook for another session ignored', { type: signal.type });
      // A webhook that says too little (no readable status) is a prompt to ask the bank, not a fact.
      if (verdict === 'applied' && signal.session.status === UNKNOWN_STATUS) this.askBankNow = true;
    };
    setHandler(webhookUnreadableSignal, (notice) => {
      recordEvent(record, now(), 'webhook:unreadable', notice.type);
      this.askBankNow = true;
    });
    setHandler(readyToConfirmSignal, onWebhook);
    setHandler(paymentFinishedSignal, onWebhook);
    setHandler(paymentRefundedSignal, onWebhook);
    const operatorDecision = (decision: 'approved' | 'rejected') => (action: OperatorAction) => {
      record.view.approval = { decision, by: action.by, at: now(), comment: action.comment };
      const unchecked = decision === 'approved' && this.input.startedBy === undefined;
      recordEvent(
        record,
        now(),
        `operator:${decision}`,
        unchecked ? `${action.by} (starter not recorded: four-eyes not checked)` : action.by,
      );
      return record.view;
    };
    // Validators run one update at a time, each after the previous one's handler: so the first decision
    // (approve, reject or cancel) wins, and a second one racing it is refused with the first one named.
    const firstDecision = (): string | undefined => {
      if (record.view.approval) return `${record.view.approval.decision} by ${record.view.approval.by}`;
      if (record.view.cancelRequest) return `cancel requested by ${record.view.cancelRequest.by}`;
      return undefined;
    };
    const requireOperator = (action: OperatorAction) => {
      const problem = operatorIdentityProblem(action?.by);
      if (problem) throw new Error(problem);
    };
    const onlyAwaitingApproval = (action: OperatorAction) => {
      requireOperator(action);
      const decided = firstDecision();
      if (decided) throw new Error(`payout already decided: ${decided}`);
      if (record.view.step !== 'awaiting_approval')
        throw new Error(`payout is ${record.view.step}, not awaiting approval`);
    };
    // Validators change no state and emit no commands: the four-eyes rule needs no patch.
    const approvable = (action: OperatorAction) => {
      onlyAwaitingApproval(action);
      const refusal = fourEyesRefusal(
        this.input.startedBy,
        action.by,
        this.settings?.policy.fourEyes ?? true,
      );
      if (refusal) throw new Error(refusal);
    };
    setHandler(approveUpdate, operatorDecision('approved'), { validator: approvable });
    setHandler(rejectUpdate, operatorDecision('rejected'), { validator: onlyAwaitingApproval });
    setHandler(
      cancelUpdate,
      (action: OperatorAction) => {
        record.view.cancelRequest = { by: action.by, reason: action.comment, at: now() };
        recordEvent(record, now(), 'operator:cancel_requested', action.by);
        return record.view;
      },
      {
        validator: (action: OperatorAction) => {
          requireOperator(action);
          const decided = firstDecision();
          if (decided) throw new Error(`payout already decided: ${decided}`);
          if (!CANCELLABLE_STEPS.has(record.view.step)) {
            throw new Error(`payout is ${record.view.step}; it can only be cancelled before it is confirmed`);
          }
        },
      },
    );
  }

  // ---- steps ----

  /**
   * 0. Claim the payout ID in the registry (it outlives Temporal's retention) and reserve the recipient's
   * velocity for today, before anything reaches the bank. Another run's claim fails this run outright.
   */
  private async register(): Promise<PayoutResult | undefined> {
    this.goTo('registering');
    const { request, requestHash: hash } = this.input;
    try {
      const registered = await registryActivities.registerPayout({
        payoutId: request.payoutId,
        workflowId: this.workflowId,
        runId: workflowInfo().firstExecutionRunId,
        requestHash: hash,
        velocity: {
          recipientKey: recipientVelocityKey(request),
          day: velocityDay(Date.now()),
          amount: request.amount,
        },
      });
      if (registered.registry === 'absent') {
        recordEvent(this.record, now(), 'registry:absent', 'local dev: ID not claimed, velocity not checked');
      } else {
        this.velocity = registered.velocity;
        const { count, amount } = registered.velocity;
        recordEvent(this.record, now(), 'registry:claimed', `recipient today: ${count} payouts, ${amount}`);
      }
      return undefined;
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.type === FAILURE_TYPES.payoutIdClaimed) {
        throw ApplicationFailure.nonRetryable(
          cause.message,
          FAILURE_TYPES.payoutIdClaimed,
          ...(cause.details ?? []),
        );
      }
      // The registry stayed unreachable: nothing was sent to the bank, so "failed" is the truth.
      recordEvent(this.record, now(), 'registry:unavailable', message(err));
      return this.end('failed', { errorCode: 'registry_unavailable' });
    }
  }

  /**
   * 0a. SBP only: the bank ID must be in `fps/banks`, and (when configured) the bank's recipient check must
   * know the phone at that bank under our recipient's name. A "no" ends the payout before init: nothing moves.
   */
  private async checkRecipient(): Promise<PayoutResult | undefined> {
    const payee = payeeOf(this.input.request.recipient);
    if (payee.kind !== 'sbp') return undefined;
    this.goTo('checking_recipient');
    const check: SbpCheck = (this.record.view.sbpCheck = {});
    const bank = await this.banking.quickCalls.checkSbpBank({ bankId: payee.bankId });
    check.bankListed = bank.listed;
    check.bankName = bank.name;
    if (bank.note !== undefined) check.detail = bank.note;
    if (bank.listed === false) {
      this.record.view.bankError = {
        endpoint: 'fps/banks',
        code: 'sbp_bank_not_listed',
        description: `bank ID ${payee.bankId} is not in the bank's SBP list`,
      };
      recordEvent(this.record, now(), 'sbp:bank_not_listed', payee.bankId);
      return this.end('failed', { errorCode: 'sbp_bank_not_listed' });
    }
    if (!this.settings.methods?.sbpVerification) {
      check.verification = 'off';
      return undefined;
    }
    const verdict = await this.verifySbp(payee, check);
    recordEvent(this.record, now(), `sbp:${verdict.verdict}`, check.detail);
    if (this.record.view.cancelRequest) return this.end('cancelled', { cancelReason: 'operator' });
    switch (verdict.verdict) {
      case 'verified':
        check.verification = 'verified';
        check.verifiedName = verdict.name;
        return undefined;
      case 'name_mismatch':
      case 'not_registered':
        check.verification = verdict.verdict;
        if (verdict.verdict === 'name_mismatch') check.verifiedName = verdict.name;
        log.warn('SBP recipient check failed: cancelled before init', { verdict: verdict.verdict });
        return this.end('cancelled', { cancelReason: 'recipient_verification' });
      case 'pending':
        // No answer in time: go on; ready_to_confirm must still show our phone and bank.
        check.verification = 'unanswered';
        return undefined;
    }
  }

  /** The verification session, polled with backoff until it ends or the configured wait runs out. */
  private async verifySbp(payee: SbpRecipient, check: SbpCheck): Promise<SbpVerdict> {
    const calls = this.banking.quickCalls;
    const { phone, bankId, fullName } = payee;
    try {
      let snapshot = await calls.verifySbpRecipient({ workflowId: this.workflowId, phone, bankId, fullName });
      check.verificationSessionId = snapshot.sessionId;
      let verdict = sbpVerdict(snapshot, fullName);
      const deadline = Date.now() + this.settings.methods!.sbpVerificationTimeoutMs;
      let interval = this.timeouts.reconcileInitialIntervalMs;
      while (verdict.verdict === 'pending' && Date.now() < deadline) {
        const woke = await condition(
          () => this.record.view.cancelRequest !== undefined,
          Math.min(interval, Math.max(deadline - Date.now(), 1)),
        );
        if (woke) return verdict;
        snapshot = await calls.getSessionStatus({ sessionId: snapshot.sessionId });
        verdict = sbpVerdict(snapshot, fullName);
        interval = Math.min(interval * 2, this.timeouts.reconcileMaxIntervalMs);
      }
      if (verdict.verdict === 'not_registered') check.detail = verdict.detail;
      return verdict;
    } catch (err) {
      const rejection = bankRejection(err);
      check.detail = rejection ? rejection.code : message(err);
      // The bank refused the check itself: that is its "no", and nothing has been initiated.
      return rejection ? { verdict: 'not_registered', detail: rejection.code } : { verdict: 'pending' };
    }
  }

  /**
   * 0b. The wallet must cover the payout before anything is initiated; while it does not, wait visibly in
   * `awaiting_funds` with backoff, then cancel (`insufficient_funds`): honest, since nothing was initiated.
   * An unreadable balance holds nothing back: the bank's init refuses what it cannot cover, and that refusal
   * (`initRefused`) brings the payout back here, waiting first, within the deadline of its first wait.
   */
  private async awaitFunds(initRefused = false): Promise<PayoutResult | undefined> {
    const m = this.settings.methods;
    if (!m?.balanceCheck || !this.changes.balanceBeforeInit) return undefined;
    const { amount, currency } = this.input.request;
    const view = this.record.view;
    // Waiting now = entered - left (the SDK's workflow meter has no up-down counter).
    const entered = metricMeter.createCounter(
      'payouts_awaiting_funds_entered',
      'payouts',
      'Payouts that began waiting for funds',
    );
    const left = metricMeter.createCounter(
      'payouts_awaiting_funds_left',
      'payouts',
      'Payouts that stopped waiting for funds',
    );
    const waiting = { add: (n: 1 | -1) => (n > 0 ? entered : left).add(1) };
    const deadline = this.fundsDeadline ?? Date.now() + m.fundsWaitMaxDurationMs;
    let interval = m.fundsWaitInitialIntervalMs;
    let waitingNow = false;
    // After init's refusal the wallet is known short: wait before reading it again.
    for (let checks = view.funds?.checks ?? 0, readNow = !initRefused; ; readNow = true) {
      if (readNow) {
        checks += 1;
        const balance =
          this.takePrefetchedBalance() ?? (await this.banking.quickCalls.getWalletBalance({ currency }));
        view.funds = { ...view.funds, balance: balance.amount, currency, checkedAt: balance.readAt, checks };
        if (balance.amount === undefined || balance.amount >= amount) {
          if (waitingNow) {
            waiting.add(-1);
            recordEvent(this.record, now(), 'funds:available', String(balance.amount ?? 'unreadable'));
          }
          return undefined;
        }
      }
      if (!waitingNow) {
        waitingNow = true;
        this.fundsDeadline = deadline;
        if (view.funds) view.funds.waitingSince ??= now();
        waiting.add(1);
        const why = readNow
          ? `${view.funds?.balance} < ${amount}`
          : `init refused: ${WALLET_SHORT_BANK_CODE}`;
        recordEvent(this.record, now(), 'funds:insufficient', why);
        log.warn('wallet balance does not cover the payout: waiting for funds', {});
        this.goTo('awaiting_funds');
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        waiting.add(-1);
        return this.end('cancelled', { cancelReason: 'insufficient_funds' });
      }
      if (await condition(() => view.cancelRequest !== undefined, Math.min(interval, remaining))) {
        waiting.add(-1);
        return this.end('cancelled', { cancelReason: 'operator' });
      }
      interval = Math.min(interval * 2, m.fundsWaitMaxIntervalMs);
    }
  }

  /**
   * The start's balance read, taken by the first check only (taking it clears it), if it is recent enough
   * to stand for a read now. Its age is measured on the workflow's clock from when the local activity
   * returned, so a worker's clock skew cannot matter.
   */
  private takePrefetchedBalance(): WalletBalance | undefined {
    const prefetched = this.prefetched;
    this.prefetched = undefined;
    if (!prefetched || Date.now() - prefetched.at > PREFETCHED_BALANCE_MAX_AGE_MS) return undefined;
    return prefetched.balance;
  }

  /** 1. The token: tokenize the account, or check (best effort) the token the caller already holds. */
  private async obtainToken(): Promise<string | PayoutResult> {
    const payee = payeeOf(this.input.request.recipient);
    // Cards and SBP are paid by their own details: there is no account token.
    if (payee.kind === 'card' || payee.kind === 'sbp') return '';
    if (payee.kind === 'token') {
      await this.checkToken(payee.token);
      return payee.token;
    }
    this.goTo('tokenizing');
    try {
      const tokenized = await this.call(this.banking.quickCalls.tokenizeAccount, summaries.tokenize, {
        workflowId: this.workflowId,
        bik: payee.bik,
        account: payee.account,
      });
      this.record.view.recipientMaskedAccount = tokenized.maskedAccount;
      return tokenized.token;
    } catch (err) {
      // No session exists yet, so no money can have moved.
      return this.failBeforeSession(err, 'tokenize');
    }
  }

  /** `token/info` only shows the masked account; whatever it answers, ready_to_confirm's check guards the money. */
  private async checkToken(token: string): Promise<void> {
    try {
      const info = await this.call(this.banking.quickCalls.getTokenInfo, summaries.tokenInfo, { token });
      this.record.view.recipientMaskedAccount = info.maskedAccount;
      this.record.view.tokenVerified = info.verified ?? true;
      if (info.verified === false) recordEvent(this.record, now(), 'token:not_verified', info.note);
    } catch (err) {
      this.record.view.tokenVerified = false;
      recordEvent(this.record, now(), 'token:not_verified', message(err));
    }
  }

  /**
   * 2. Init, and init again if the bank refuses it because the wallet is short: the balance can drop after
   * the funds check (another payout, a hold). Nothing was initiated, so the payout waits for funds as if the
   * check had seen it, within the same deadline, and inits anew with a new idempotency key.
   */
  private async initiateWhenFunded(token: string): Promise<PayoutResult | undefined> {
    for (;;) {
      const outcome = await this.initiate(token);
      if (outcome !== WALLET_SHORT) return outcome;
      this.initAttempt += 1;
      const notFunded = await this.awaitFunds(true);
      if (notFunded) return notFunded;
    }
  }

  /** Whether init's "wallet short" sends the payout back to waiting for funds instead of failing it. */
  private waitsForFundsAfterRefusal(): boolean {
    // Asked only here, on the refusal's path: runs that ended `failed` from it before replay as they ran.
    return (
      this.settings.methods?.balanceCheck === true &&
      this.changes.balanceBeforeInit &&
      patched('init-refused-waits-for-funds')
    );
  }

  /** Init: the bank creates the session and carries our workflow ID and run tag in metadata. */
  private async initiate(token: string): Promise<PayoutResult | undefined | typeof WALLET_SHORT> {
    const { request } = this.input;
    this.goTo('initiating');
    try {
      const init = await this.call(
        this.banking.sessionSteps.initPayout,
        summaries.init(formatAmount(request.amount, request.currency)),
        {
          workflowId: this.workflowId,
          ...(this.record.runTag ? { runTag: this.record.runTag } : {}),
          ...(this.initAttempt > 1 ? { attempt: this.initAttempt } : {}),
          token,
          fullName: request.recipient.fullName,
          description: request.description,
          amount: request.amount,
          currency: request.currency,
          // Account and token payouts keep the body (and activity input) they always had.
          ...(request.recipient.kind === 'account' || request.recipient.kind === 'token'
            ? {}
            : { recipient: request.recipient }),
        },
      );
      if (init.kind === 'initiated') {
        adoptSession(this.record, init.session.sessionId, now(), this.workflowId);
        applySnapshot(this.record, init.session);
        recordEvent(this.record, now(), 'bank:initiated', init.session.sessionId);
      } else {
        recordEvent(this.record, now(), 'bank:already_initiated', 'session id will come with the webhook');
      }
    } catch (err) {
      const rejection = bankRejection(err);
      if (rejection?.code === WALLET_SHORT_BANK_CODE && this.waitsForFundsAfterRefusal()) {
        recordEvent(this.record, now(), `bank:init_refused:${rejection.code}`, `attempt ${this.initAttempt}`);
        return WALLET_SHORT;
      }
      if (rejection) return this.failBeforeSession(err, 'init');
      // Retries ran out without an answer: a session may exist. Its webhook names our workflow, and the
      // bank's own status of that session decides whether it is ours.
      recordEvent(this.record, now(), 'bank:init_unanswered', message(err));
    }
    return undefined;
  }

  /** 3. Wait for `ready_to_confirm` (or a final state: the bank may cancel on its own). */
  private async awaitReady(): Promise<SessionSnapshot | undefined> {
    this.goTo('awaiting_ready');
    const readyOrFinal = () => this.record.ready !== undefined || this.record.final !== undefined;
    const deadline = Date.now() + this.timeouts.readyTimeoutMs;
    for (;;) {
      const woke = await this.wait(
        () => readyOrFinal() || this.record.candidates.length > 0 || this.askBankNow,
        Math.max(deadline - Date.now(), 1),
        'ready_to_confirm',
      );
      if (this.record.candidates.length > 0) await this.verifyCandidates();
      if (this.askBankNow) await this.pollStatus();
      if (readyOrFinal()) break;
      if (!woke || Date.now() >= deadline) {
        if (!(await this.reconcile(readyOrFinal))) return undefined;
        break;
      }
    }
    return this.record.final ? undefined : this.record.ready;
  }

  /** Sessions a webhook named before we knew ours: the bank's status, read with our credentials, decides. */
  private async verifyCandidates(): Promise<void> {
    const candidates = [...this.record.candidates];
    this.record.candidates = [];
    for (const sessionId of candidates) {
      if (this.record.view.sessionId !== undefined) return;
      let snapshot: SessionSnapshot;
      try {
        snapshot = await this.call(this.banking.quickCalls.getSessionStatus, summaries.status(sessionId), {
          sessionId,
        });
      } catch (err) {
        recordEvent(this.record, now(), 'bank:status_unavailable', `${sessionId}: ${message(err)}`);
        continue;
      }
      if (namesThisRun(this.record, snapshot, this.workflowId) === true) {
        recordEvent(this.record, now(), 'bank:session_verified', sessionId);
        adoptSession(this.record, sessionId, now(), this.workflowId);
        applySnapshot(this.record, snapshot);
      } else {
        recordEvent(this.record, now(), 'bank:session_not_ours', sessionId);
      }
    }
  }

  /** 4. Policy: confirm, cancel, or ask an operator. */
  private decide(ready: SessionSnapshot, token: string): PolicyDecision {
    this.goTo('deciding');
    const decision = decidePayout({
      request: this.input.request,
      workflowId: this.workflowId,
      runTag: this.record.runTag,
      sessionId: this.record.view.sessionId,
      token,
      maskedAccount: this.record.view.recipientMaskedAccount,
      ready,
      policy: this.settings.policy,
      velocity: this.velocity,
    });
    this.record.view.decision = decision;
    metricMeter
      .createCounter('payout_policy_decisions', 'decisions', 'Policy decisions, by action')
      .add(1, { action: decision.action });
    const detail =
      decision.action === 'cancel'
        ? decision.violations.join('; ')
        : decision.action === 'await_approval'
          ? decision.reason
          : undefined;
    recordEvent(this.record, now(), `policy:${decision.action}`, detail);
    this.showDetails();
    return decision;
  }

  /** Why we cancel, if we do; `finished` when the bank ended the session while we waited for an operator. */
  private async cancelReasonAfter(decision: PolicyDecision): Promise<CancelReason | 'finished' | undefined> {
    const view = this.record.view;
    if (decision.action === 'cancel') return 'policy';
    if (view.cancelRequest) return 'operator';
    if (decision.action !== 'await_approval') return undefined;
    this.goTo('awaiting_approval');
    const answered = await this.wait(
      () =>
        view.approval !== undefined || view.cancelRequest !== undefined || this.record.final !== undefined,
      this.timeouts.approvalTimeoutMs,
      'an operator to approve or reject',
    );
    if (this.record.final) return 'finished';
    if (!answered) return 'approval_timeout';
    if (view.cancelRequest) return 'operator';
    if (view.approval?.decision === 'rejected') return 'approval_rejected';
    return undefined;
  }

  /** 5a. Cancel. Without our confirm the money cannot move, so a silent bank still means cancelled. */
  private async cancelSession(sessionId: string, reason: CancelReason): Promise<PayoutResult> {
    this.goTo('cancelling');
    try {
      const after = await this.call(this.banking.sessionSteps.cancelPayout, summaries.cancel(sessionId), {
        workflowId: this.workflowId,
        sessionId,
      });
      this.noteStep('cancel', after);
    } catch (err) {
      recordEvent(this.record, now(), 'bank:cancel_unanswered', message(err));
    }
    if (!this.record.final) await this.reconcile(() => this.record.final !== undefined);
    if (this.record.final) return this.endFromFinal(this.record.final, reason);
    return this.confirmSent ? this.endUnknown() : this.end('cancelled', { cancelReason: reason });
  }

  /** 5b. Confirm (at most once per workflow; the idempotency key covers activity retries), 6. await the end. */
  private async confirmAndAwaitFinish(sessionId: string): Promise<PayoutResult> {
    this.goTo('confirming');
    this.confirmSent = true;
    try {
      const after = await this.call(this.banking.sessionSteps.confirmPayout, summaries.confirm(sessionId), {
        workflowId: this.workflowId,
        sessionId,
      });
      this.noteStep('confirm', after);
      // The bank refused our confirm and still waits for a decision: cancel, so nothing can move later.
      if (after.refusal && !this.record.final && classifySession(after).kind === 'awaiting_confirm')
        return this.cancelSession(sessionId, 'confirm_rejected');
    } catch (err) {
      // Retries ran out without a usable answer: the confirm may have gone through. Only the bank can say.
      recordEvent(this.record, now(), 'bank:confirm_unanswered', message(err));
    }
    if (!this.record.final) {
      // Most payouts finish within seconds of the confirm: the step is published only once it lasts.
      let unpublished = this.changes.leanHistory;
      this.goTo('awaiting_finish', { publish: !unpublished });
      const finalOrError = () =>
        this.record.final !== undefined || this.record.view.bankSessionStatus === 'error';
      const deadline = Date.now() + this.timeouts.finishTimeoutMs;
      for (;;) {
        const left = Math.max(deadline - Date.now(), 1);
        const woke = await this.wait(
          () => finalOrError() || this.askBankNow,
          unpublished ? Math.min(left, AWAITING_FINISH_PUBLISH_AFTER_MS) : left,
          'payment_finished',
        );
        if (this.askBankNow) await this.pollStatus();
        if (finalOrError() || Date.now() >= deadline) break;
        if (!woke && unpublished) {
          unpublished = false;
          this.publishStep();
          continue;
        }
        if (!woke) break;
      }
      if (!this.record.final) await this.reconcile(() => this.record.final !== undefined);
    }
    return this.record.final ? this.endFromFinal(this.record.final) : this.endUnknown();
  }

  /** Folds a confirm/cancel answer in, keeping the bank's refusal (if any) for the status and result. */
  private noteStep(step: 'confirm' | 'cancel', after: SessionStepResult): void {
    applySnapshot(this.record, after);
    if (after.refusal) {
      this.record.view.bankError = {
        endpoint: `session/${step}`,
        code: after.refusal.code ?? after.refusal.kind,
        description: after.refusal.description,
        ...(after.refusal.rejectReasons ? { rejectReasons: after.refusal.rejectReasons } : {}),
      };
      recordEvent(
        this.record,
        now(),
        `bank:${step}_refused`,
        `${this.record.view.bankError.code}; session ${after.status}`,
      );
    } else {
      recordEvent(this.record, now(), `bank:${step}ed`, `${after.status}/${after.payout?.status ?? '-'}`);
    }
  }

  /**
   * Polls `session/status` with backoff until `satisfied`, or until a webhook satisfies it first. Gives up
   * after the configured duration: the caller then ends `unknown` for an operator.
   */
  private async reconcile(satisfied: () => boolean): Promise<boolean> {
    this.goTo('reconciling');
    const deadline = Date.now() + this.timeouts.reconcileMaxDurationMs;
    let interval = this.timeouts.reconcileInitialIntervalMs;
    while (Date.now() < deadline) {
      if (this.record.view.sessionId) await this.pollStatus();
      else if (this.record.candidates.length > 0) await this.verifyCandidates();
      if (satisfied()) return true;
      const wake = () =>
        satisfied() || (this.record.view.sessionId === undefined && this.record.candidates.length > 0);
      const pause = Math.min(interval, Math.max(deadline - Date.now(), 1));
      if (await this.wait(wake, pause, undefined, summaries.pollBackoff(pause))) {
        if (satisfied()) return true;
        continue;
      }
      interval = Math.min(interval * 2, this.timeouts.reconcileMaxIntervalMs);
    }
    return satisfied();
  }

  /** One `session/status` read of our session, folded in; a failure is recorded and waited out. */
  private async pollStatus(): Promise<void> {
    this.askBankNow = false;
    const sessionId = this.record.view.sessionId;
    if (!sessionId) return;
    try {
      const snapshot = await this.call(
        this.banking.quickCalls.getSessionStatus,
        summaries.status(sessionId),
        {
          sessionId,
        },
      );
      applySnapshot(this.record, snapshot);
      recordEvent(this.record, now(), 'bank:status', `${snapshot.status}/${snapshot.payout?.status ?? '-'}`);
      this.publishStep();
    } catch (err) {
      recordEvent(this.record, now(), 'bank:status_unavailable', message(err));
    }
  }

  // ---- endings ----

  /** The bank refused (or never answered) before any session existed: nothing can have moved. */
  private failBeforeSession(err: unknown, step: 'tokenize' | 'init'): Promise<PayoutResult> {
    const rejection = bankRejection(err);
    const code = rejection?.code ?? 'bank_unavailable';
    if (rejection) this.record.view.bankError = { ...rejection, endpoint: rejection.endpoint };
    recordEvent(this.record, now(), `bank_rejected:${step}`, rejection ? code : message(err));
    return this.end('failed', { errorCode: code });
  }

  private endFromFinal(final: SessionSnapshot, ourCancelReason?: CancelReason): Promise<PayoutResult> {
    const o = outcomeOfFinal(final, { confirmed: this.confirmSent, ourCancelReason });
    return this.end(o.outcome, { cancelReason: o.cancelReason, errorCode: o.errorCode });
  }

  /**
   * 7. Self-employed: the money moved; the bank registers the receipt with the tax service. Poll for it until
   * the deadline, then flag the payout (status, result, metric, error log) for an operator.
   */
  private async awaitReceipt(): Promise<void> {
    const m = this.settings.methods;
    const view = this.record.view;
    if (!m || view.receipt || !view.sessionId) return this.noteReceipt();
    view.outcome = 'succeeded';
    this.goTo('awaiting_receipt');
    const deadline = Date.now() + m.receiptDeadlineMs;
    while (!view.receipt && Date.now() < deadline) {
      const left = deadline - Date.now();
      if (await condition(() => view.receipt !== undefined, Math.min(m.receiptPollIntervalMs, left))) break;
      try {
        const snapshot = await this.banking.quickCalls.getSessionStatus({ sessionId: view.sessionId });
        if (snapshot.payout?.receipt) view.receipt = snapshot.payout.receipt;
      } catch (err) {
        recordEvent(this.record, now(), 'bank:status_unavailable', message(err));
      }
    }
    this.noteReceipt();
  }

  private noteReceipt(): void {
    const view = this.record.view;
    if (view.receipt) {
      recordEvent(this.record, now(), 'receipt:issued', view.receipt.id);
      return;
    }
    view.receiptMissing = true;
    recordEvent(this.record, now(), 'receipt:missing');
    metricMeter
      .createCounter(
        'payout_receipts_missing',
        'payouts',
        'Self-employed payouts without a receipt by the deadline',
      )
      .add(1);
    log.error('self-employed payout has no receipt by the deadline: an operator must follow up', {
      sessionId: view.sessionId,
    });
  }

  /** The bank never gave a final word: an operator must check with Bank 131; never retried automatically. */
  private endUnknown(): Promise<PayoutResult> {
    return this.end('unknown', {
      errorCode: this.record.view.bankSessionStatus === 'error' ? 'session_error' : undefined,
    });
  }

  private async end(
    outcome: PayoutResult['outcome'],
    extra: { cancelReason?: CancelReason; errorCode?: string },
  ): Promise<PayoutResult> {
    if (outcome === 'succeeded' && this.input.request.recipient.kind === 'selfEmployed')
      await this.awaitReceipt();
    const result = settle(this.record, now(), outcome, extra);
    this.publishStep();
    this.showDetails();
    this.finishedCounter.add(1, { outcome: result.outcome });
    // The one info line per payout (steps log at debug); not written while replaying, no command.
    log.info('payout finished', {
      outcome,
      sessionId: result.sessionId,
      cancelReason: result.cancelReason,
      errorCode: result.errorCode,
    });
    if (outcome === 'unknown') log.error('payout outcome unknown: an operator must check with Bank 131', {});
    if (this.settings?.backendCallbacks && this.changes.backendCallbacks()) await this.notifyBackend(result);
    await condition(allHandlersFinished);
    return result;
  }

  /** Tells the backend the outcome: a child that outlives this workflow delivers it, so nothing here waits. */
  private async notifyBackend(result: PayoutResult): Promise<void> {
    const event = payoutFinishedEvent(this.workflowId, this.input.request, result, this.record.view.returns);
    const started = await startBackendCallback(event);
    this.record.view.callbacks = [...(this.record.view.callbacks ?? []), started];
  }

  // ---- search attributes ----

  private goTo(step: PayoutStep, { publish = true } = {}): void {
    setStep(this.record, now(), step);
    if (publish) this.publishStep();
    this.showDetails();
  }

  /** The UI's current details: no command, so no patch; shown decoded through the codec server. */
  private showDetails(): void {
    setCurrentDetails(currentDetails(this.record.view, this.settings?.timeouts));
  }

  /** An activity call, with its summary for the UI once the payout runs with summaries. */
  private call<I, R>(
    fn: ((input: I) => Promise<R>) & { executeWithOptions(o: ActivityOptions, args: [I]): Promise<R> },
    summary: string,
    input: I,
  ): Promise<R> {
    return this.changes.uiSummaries ? fn.executeWithOptions({ summary }, [input]) : fn(input);
  }

  /** A wait with a timeout; its timer says what it waits for in the UI. */
  private wait(fn: () => boolean, ms: number, what: string | undefined, summary?: string): Promise<boolean> {
    if (!this.changes.uiSummaries) return condition(fn, ms);
    return condition(fn, ms, { summary: summary ?? summaries.waitFor(what ?? 'the bank', ms) });
  }

  private publishStep(): void {
    const view = this.record.view;
    const attributes = [
      { key: PayoutStepKey, value: view.step },
      { key: PayoutStatusKey, value: view.outcome ?? 'in_progress' },
      ...(view.sessionId ? [{ key: Bank131SessionIdKey, value: view.sessionId }] : []),
    ];
    if (this.changes.fewerSearchAttributeUpserts) {
      // Transient steps last milliseconds: upserting them only adds history events and visibility writes.
      if (!PUBLISHED_STEPS.has(view.step)) return;
      const fingerprint = attributes.map((a) => String(a.value)).join('|');
      if (fingerprint === this.published) return;
      this.published = fingerprint;
    }
    upsertSearchAttributes(attributes);
  }
}

export type { BankError };
