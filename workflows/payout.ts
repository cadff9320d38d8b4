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
  type RetryPolicy,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { BankRejectionDetails, PayoutActivities, SessionStepResult } from '../activities/types';
import { FAILURE_TYPES } from '../activities/types';
import { classifySession, UNKNOWN_STATUS, type SessionSnapshot } from '../bank131/session';
import type { PayoutSettings, PayoutTimeouts, PolicyConfig, PolicyDecision } from '../policy/settings';
import { decidePayout } from '../policy/payout-policy';
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
import { Bank131SessionIdKey, PayoutStatusKey, PayoutStepKey } from './search-attributes';

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

const now = (): string => new Date(Date.now()).toISOString();
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
  /** Payouts started before this change upserted at every step; replaying them must do the same. */
  private readonly publishOnlyWhatOperatorsFilterOn = patched('fewer-search-attribute-upserts');
  /**
   * Payouts started before the registry existed never claimed their ID; their replays must not either.
   * Asked in the constructor, before any await: a patch marker after the settings' local-activity marker
   * was seen to replay nondeterministically on the time-skipping server.
   */
  private readonly claimsItsId = patched('payout-id-registry');
  private published = '';
  private settings!: PayoutSettings;
  private banking!: ReturnType<typeof bankActivities>;
  /** Set once a confirm may have reached the bank: from then on only the bank's word ends the payout. */
  private confirmSent = false;
  /** The recipient's totals today from the registry, this payout included (absent without a registry). */
  private velocity: VelocityTotals | undefined;
  /** An authentic webhook about us could not be read (or said too little): ask the bank now. */
  private askBankNow = false;

  constructor(private readonly input: PayoutWorkflowInput) {
    // Payouts started before run tags existed keep sending the bare workflow ID as metadata.
    const runTag = patched('metadata-run-tag') ? workflowInfo().firstExecutionRunId : undefined;
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
    this.settings = await settingsActivity.loadPayoutSettings();
    this.refuseInvalidInput(this.settings.policy);
    this.banking = bankActivities(this.timeouts.bankCallTimeoutMs ?? LEGACY_BANK_CALL_TIMEOUT_MS);
    if (this.claimsItsId) {
      const unregistered = await this.register();
      if (unregistered) return unregistered;
    }

    const token = await this.obtainToken();
    if (typeof token !== 'string') return token;
    if (this.record.view.cancelRequest) return this.end('cancelled', { cancelReason: 'operator' });

    const initFailure = await this.initiate(token);
    if (initFailure) return initFailure;

    const ready = await this.awaitReady();
    if (!ready) return this.record.final ? this.endFromFinal(this.record.final) : this.endUnknown();

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
      const verdict = applyWebhook(record, signal, now(), this.workflowId);
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

  /** 1. The token: tokenize the account, or check (best effort) the token the caller already holds. */
  private async obtainToken(): Promise<string | PayoutResult> {
    const { request } = this.input;
    if (request.recipient.kind === 'token') {
      await this.checkToken(request.recipient.token);
      return request.recipient.token;
    }
    this.goTo('tokenizing');
    try {
      const tokenized = await this.banking.quickCalls.tokenizeAccount({
        workflowId: this.workflowId,
        bik: request.recipient.bik,
        account: request.recipient.account,
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
      const info = await this.banking.quickCalls.getTokenInfo({ token });
      this.record.view.recipientMaskedAccount = info.maskedAccount;
      this.record.view.tokenVerified = info.verified ?? true;
      if (info.verified === false) recordEvent(this.record, now(), 'token:not_verified', info.note);
    } catch (err) {
      this.record.view.tokenVerified = false;
      recordEvent(this.record, now(), 'token:not_verified', message(err));
    }
  }

  /** 2. Init: the bank creates the session and carries our workflow ID and run tag in metadata. */
  private async initiate(token: string): Promise<PayoutResult | undefined> {
    const { request } = this.input;
    this.goTo('initiating');
    try {
      const init = await this.banking.sessionSteps.initPayout({
        workflowId: this.workflowId,
        ...(this.record.runTag ? { runTag: this.record.runTag } : {}),
        token,
        fullName: request.recipient.fullName,
        description: request.description,
        amount: request.amount,
        currency: request.currency,
      });
      if (init.kind === 'initiated') {
        adoptSession(this.record, init.session.sessionId, now(), this.workflowId);
        applySnapshot(this.record, init.session);
        recordEvent(this.record, now(), 'bank:initiated', init.session.sessionId);
      } else {
        recordEvent(this.record, now(), 'bank:already_initiated', 'session id will come with the webhook');
      }
    } catch (err) {
      if (bankRejection(err)) return this.failBeforeSession(err, 'init');
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
      const woke = await condition(
        () => readyOrFinal() || this.record.candidates.length > 0 || this.askBankNow,
        Math.max(deadline - Date.now(), 1),
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
        snapshot = await this.banking.quickCalls.getSessionStatus({ sessionId });
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
    return decision;
  }

  /** Why we cancel, if we do; `finished` when the bank ended the session while we waited for an operator. */
  private async cancelReasonAfter(decision: PolicyDecision): Promise<CancelReason | 'finished' | undefined> {
    const view = this.record.view;
    if (decision.action === 'cancel') return 'policy';
    if (view.cancelRequest) return 'operator';
    if (decision.action !== 'await_approval') return undefined;
    this.goTo('awaiting_approval');
    const answered = await condition(
      () =>
        view.approval !== undefined || view.cancelRequest !== undefined || this.record.final !== undefined,
      this.timeouts.approvalTimeoutMs,
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
      const after = await this.banking.sessionSteps.cancelPayout({ workflowId: this.workflowId, sessionId });
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
      const after = await this.banking.sessionSteps.confirmPayout({ workflowId: this.workflowId, sessionId });
      this.noteStep('confirm', after);
      // The bank refused our confirm and still waits for a decision: cancel, so nothing can move later.
      if (after.refusal && !this.record.final && classifySession(after).kind === 'awaiting_confirm')
        return this.cancelSession(sessionId, 'confirm_rejected');
    } catch (err) {
      // Retries ran out without a usable answer: the confirm may have gone through. Only the bank can say.
      recordEvent(this.record, now(), 'bank:confirm_unanswered', message(err));
    }
    if (!this.record.final) {
      this.goTo('awaiting_finish');
      const finalOrError = () =>
        this.record.final !== undefined || this.record.view.bankSessionStatus === 'error';
      const deadline = Date.now() + this.timeouts.finishTimeoutMs;
      for (;;) {
        const woke = await condition(
          () => finalOrError() || this.askBankNow,
          Math.max(deadline - Date.now(), 1),
        );
        if (this.askBankNow) await this.pollStatus();
        if (finalOrError() || !woke || Date.now() >= deadline) break;
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
      if (await condition(wake, Math.min(interval, Math.max(deadline - Date.now(), 1)))) {
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
      const snapshot = await this.banking.quickCalls.getSessionStatus({ sessionId });
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
    const result = settle(this.record, now(), outcome, extra);
    this.publishStep();
    this.finishedCounter.add(1, { outcome: result.outcome });
    if (outcome === 'unknown') log.error('payout outcome unknown: an operator must check with Bank 131', {});
    await condition(allHandlersFinished);
    return result;
  }

  // ---- search attributes ----

  private goTo(step: PayoutStep): void {
    setStep(this.record, now(), step);
    this.publishStep();
  }

  private publishStep(): void {
    const view = this.record.view;
    const attributes = [
      { key: PayoutStepKey, value: view.step },
      { key: PayoutStatusKey, value: view.outcome ?? 'in_progress' },
      ...(view.sessionId ? [{ key: Bank131SessionIdKey, value: view.sessionId }] : []),
    ];
    if (this.publishOnlyWhatOperatorsFilterOn) {
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
