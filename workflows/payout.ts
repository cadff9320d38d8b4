/**
 * One payout, one workflow: tokenize → init → wait for `ready_to_confirm` → policy (→ approval) →
 * confirm or cancel → wait for `payment_finished`. Webhooks arrive as signals; when one is late the
 * workflow asks the bank (`session/status`) instead of guessing. Decisions live in pure modules
 * (policy/payout-policy.ts, workflows/payout-state.ts); this file only sequences them.
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
import type { PayoutActivities, BankRejectionDetails } from '../activities/types';
import { FAILURE_TYPES } from '../activities/types';
import type { SessionSnapshot } from '../bank131/session';
import type { PayoutSettings } from '../config';
import { decidePayout } from '../policy/payout-policy';
import {
  approveUpdate,
  cancelUpdate,
  paymentFinishedSignal,
  paymentRefundedSignal,
  readyToConfirmSignal,
  rejectUpdate,
  statusQuery,
  type CancelReason,
  type OperatorAction,
  type PayoutResult,
  type PayoutWorkflowInput,
  type WebhookSignal,
} from './messages';
import {
  CANCELLABLE_STEPS,
  PUBLISHED_STEPS,
  applySnapshot,
  applyWebhook,
  finish,
  newMachine,
  outcomeOfFinal,
  recordEvent,
  setStep,
  type PayoutMachine,
} from './payout-state';
import { Bank131SessionIdKey, PayoutStatusKey, PayoutStepKey } from './search-attributes';

const bankRetry: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  nonRetryableErrorTypes: [FAILURE_TYPES.bankRejected],
};

/**
 * Steps that move money or create sessions retry for a long time under the same idempotency key: a retry
 * can never do the step twice, and giving up early would leave the bank half-way. Reads give up sooner.
 */
function bankActivities(bankCallTimeoutMs: number) {
  return {
    moneySteps: proxyActivities<PayoutActivities>({
      startToCloseTimeout: bankCallTimeoutMs,
      scheduleToCloseTimeout: '2h',
      retry: bankRetry,
    }),
    reads: proxyActivities<PayoutActivities>({
      startToCloseTimeout: bankCallTimeoutMs,
      scheduleToCloseTimeout: '10m',
      retry: bankRetry,
    }),
  };
}
/** Payouts started before the bank call timeout became a setting. */
const LEGACY_BANK_CALL_TIMEOUT_MS = 60_000;

const settingsActivity = proxyLocalActivities<PayoutActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 5 },
});

const now = (): string => new Date(Date.now()).toISOString();

/** The bank's rejection code, when an activity failed because the bank said no. */
function bankRejection(err: unknown): BankRejectionDetails | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== FAILURE_TYPES.bankRejected) return undefined;
  const details = err.cause.details?.[0] as BankRejectionDetails | undefined;
  return details ?? { code: 'unknown', endpoint: 'unknown' };
}

export async function payoutWorkflow(input: PayoutWorkflowInput): Promise<PayoutResult> {
  const { request } = input;
  const workflowId = workflowInfo().workflowId;
  const m: PayoutMachine = newMachine(request, now());
  // Replay-safe: the SDK does not emit workflow metrics while replaying history.
  metricMeter.createCounter('payouts_started', 'payouts', 'Payout workflows started').add(1);
  const finishedCounter = metricMeter.createCounter(
    'payouts_finished',
    'payouts',
    'Payouts finished, by outcome',
  );

  // Payouts started before this change upserted at every step; replaying them must do the same.
  const publishOnlyWhatOperatorsFilterOn = patched('fewer-search-attribute-upserts');
  let published = '';
  const publishStep = () => {
    const attributes = [
      { key: PayoutStepKey, value: m.view.step },
      { key: PayoutStatusKey, value: m.view.outcome ?? 'in_progress' },
      ...(m.view.sessionId ? [{ key: Bank131SessionIdKey, value: m.view.sessionId }] : []),
    ];
    if (publishOnlyWhatOperatorsFilterOn) {
      // Transient steps last milliseconds: upserting them only adds history events and visibility writes.
      if (!PUBLISHED_STEPS.has(m.view.step)) return;
      const fingerprint = attributes.map((a) => String(a.value)).join('|');
      if (fingerprint === published) return;
      published = fingerprint;
    }
    upsertSearchAttributes(attributes);
  };
  const goTo = (step: PayoutMachine['view']['step']) => {
    setStep(m, now(), step);
    publishStep();
  };

  // Handlers first: signals that arrived before the workflow started running are delivered right here.
  setHandler(statusQuery, () => m.view);
  const onWebhook = (signal: WebhookSignal) => {
    const verdict = applyWebhook(m, signal, now());
    if (verdict === 'foreign_session') log.warn('webhook for another session ignored', { type: signal.type });
  };
  setHandler(readyToConfirmSignal, onWebhook);
  setHandler(paymentFinishedSignal, onWebhook);
  setHandler(paymentRefundedSignal, onWebhook);
  const operatorDecision = (decision: 'approved' | 'rejected') => (action: OperatorAction) => {
    m.view.approval = { decision, by: action.by, at: now(), comment: action.comment };
    recordEvent(m, now(), `operator:${decision}`, action.by);
    return m.view;
  };
  const onlyAwaitingApproval = (_action: OperatorAction) => {
    if (m.view.step !== 'awaiting_approval')
      throw new Error(`payout is ${m.view.step}, not awaiting approval`);
  };
  setHandler(approveUpdate, operatorDecision('approved'), { validator: onlyAwaitingApproval });
  setHandler(rejectUpdate, operatorDecision('rejected'), { validator: onlyAwaitingApproval });
  setHandler(
    cancelUpdate,
    (action: OperatorAction) => {
      m.view.cancelRequest = { by: action.by, reason: action.comment, at: now() };
      recordEvent(m, now(), 'operator:cancel_requested', action.by);
      return m.view;
    },
    {
      validator: (_action: OperatorAction) => {
        if (!CANCELLABLE_STEPS.has(m.view.step) || m.view.cancelRequest) {
          throw new Error(`payout is ${m.view.step}; it can only be cancelled before it is confirmed`);
        }
      },
    },
  );

  const done = async (result: PayoutResult): Promise<PayoutResult> => {
    publishStep();
    finishedCounter.add(1, { outcome: result.outcome });
    await condition(allHandlersFinished);
    return result;
  };
  /** The bank said no before any money moved; or, when it never answered, `fallbackCode`. */
  const failFromBank = (err: unknown, step: string, fallbackCode: string): Promise<PayoutResult> => {
    const rejection = bankRejection(err);
    recordEvent(m, now(), `bank_rejected:${step}`, rejection?.code ?? fallbackCode);
    return done(finish(m, now(), 'failed', { errorCode: rejection?.code ?? fallbackCode }));
  };

  const settings: PayoutSettings = await settingsActivity.loadPayoutSettings();
  const t = settings.timeouts;
  const { moneySteps, reads } = bankActivities(t.bankCallTimeoutMs ?? LEGACY_BANK_CALL_TIMEOUT_MS);

  // 1. Token: tokenize the account, or check the token the caller already holds.
  let token: string;
  try {
    if (request.recipient.kind === 'account') {
      goTo('tokenizing');
      const tokenized = await moneySteps.tokenizeAccount({
        workflowId,
        bik: request.recipient.bik,
        account: request.recipient.account,
      });
      token = tokenized.token;
      m.view.recipientMaskedAccount = tokenized.maskedAccount;
    } else {
      token = request.recipient.token;
      const info = await reads.getTokenInfo({ token });
      m.view.recipientMaskedAccount = info.maskedAccount;
    }
  } catch (err) {
    return failFromBank(err, 'tokenize', 'bank_unavailable');
  }
  if (m.view.cancelRequest) return done(finish(m, now(), 'cancelled', { cancelReason: 'operator' }));

  // 2. Init: the bank creates the session and carries our workflow ID in metadata to every webhook.
  goTo('initiating');
  try {
    const init = await moneySteps.initPayout({
      workflowId,
      token,
      fullName: request.recipient.fullName,
      description: request.description,
      amount: request.amount,
      currency: request.currency,
    });
    if (init.kind === 'initiated') {
      applySnapshot(m, init.session);
      recordEvent(m, now(), 'bank:initiated', init.session.sessionId);
    } else {
      recordEvent(m, now(), 'bank:already_initiated', 'session id will come with the webhook');
    }
  } catch (err) {
    if (bankRejection(err)) return failFromBank(err, 'init', 'bank_unavailable');
    // Retries ran out without an answer: a session may exist. Its webhook, which carries our workflow ID,
    // is the only way to learn it, so wait for it like any other.
    recordEvent(m, now(), 'bank:init_unanswered', err instanceof Error ? err.message : String(err));
  }

  // Polls `session/status` with backoff until `satisfied`, or until a webhook satisfies it first.
  // Gives up after the configured duration: the caller then reports `unknown` for an operator.
  const reconcile = async (satisfied: () => boolean): Promise<boolean> => {
    goTo('reconciling');
    const deadline = Date.now() + t.reconcileMaxDurationMs;
    let interval = t.reconcileInitialIntervalMs;
    while (Date.now() < deadline) {
      if (m.view.sessionId) {
        try {
          const snapshot = await reads.getSessionStatus({ sessionId: m.view.sessionId });
          applySnapshot(m, snapshot);
          recordEvent(m, now(), 'bank:status', `${snapshot.status}/${snapshot.payout?.status ?? '-'}`);
          publishStep();
        } catch (err) {
          recordEvent(m, now(), 'bank:status_unavailable', err instanceof Error ? err.message : String(err));
        }
      }
      if (satisfied()) return true;
      if (await condition(satisfied, Math.min(interval, Math.max(deadline - Date.now(), 1)))) return true;
      interval = Math.min(interval * 2, t.reconcileMaxIntervalMs);
    }
    return satisfied();
  };
  let confirmed = false;
  const endFromFinal = (final: SessionSnapshot, ourCancelReason?: CancelReason) => {
    const o = outcomeOfFinal(final, { confirmed, ourCancelReason });
    return done(finish(m, now(), o.outcome, { cancelReason: o.cancelReason, errorCode: o.errorCode }));
  };
  const unknownOutcome = () =>
    done(
      finish(m, now(), 'unknown', {
        errorCode: m.view.bankSessionStatus === 'error' ? 'session_error' : undefined,
      }),
    );

  // 3. Wait for `ready_to_confirm` (or a final state: the bank may cancel on its own).
  goTo('awaiting_ready');
  const readyOrFinal = () => m.ready !== undefined || m.final !== undefined;
  if (!(await condition(readyOrFinal, t.readyTimeoutMs))) {
    if (!(await reconcile(readyOrFinal))) return unknownOutcome();
  }
  if (m.final) return endFromFinal(m.final);
  const ready = m.ready as SessionSnapshot;

  // 4. Policy, then an operator when the amount needs one.
  goTo('deciding');
  const decision = decidePayout({
    request,
    workflowId,
    sessionId: m.view.sessionId,
    token,
    maskedAccount: m.view.recipientMaskedAccount,
    ready,
    policy: settings.policy,
  });
  m.view.decision = decision;
  metricMeter
    .createCounter('payout_policy_decisions', 'decisions', 'Policy decisions, by action')
    .add(1, { action: decision.action });
  recordEvent(
    m,
    now(),
    `policy:${decision.action}`,
    decision.action === 'cancel' ? decision.violations.join('; ') : undefined,
  );

  let cancelReason: CancelReason | undefined =
    decision.action === 'cancel' ? 'policy' : m.view.cancelRequest ? 'operator' : undefined;
  if (!cancelReason && decision.action === 'await_approval') {
    goTo('awaiting_approval');
    const answered = await condition(
      () => m.view.approval !== undefined || m.view.cancelRequest !== undefined || m.final !== undefined,
      t.approvalTimeoutMs,
    );
    if (m.final) return endFromFinal(m.final);
    if (!answered) cancelReason = 'approval_timeout';
    else if (m.view.cancelRequest) cancelReason = 'operator';
    else if (m.view.approval?.decision === 'rejected') cancelReason = 'approval_rejected';
  }

  // 5. Confirm or cancel. Each runs at most once per workflow; the idempotency key covers activity retries.
  if (cancelReason) {
    goTo('cancelling');
    try {
      const after = await moneySteps.cancelPayout({ workflowId, sessionId: ready.sessionId });
      applySnapshot(m, after);
    } catch (err) {
      const rejection = bankRejection(err);
      if (!rejection) throw err;
      recordEvent(m, now(), 'bank_rejected:cancel', rejection.code);
    }
    if (!m.final) await reconcile(() => m.final !== undefined);
    // Without a final word from the bank the payout still cannot have moved: we never confirmed it.
    return m.final
      ? endFromFinal(m.final, cancelReason)
      : done(finish(m, now(), 'cancelled', { cancelReason }));
  }

  goTo('confirming');
  confirmed = true; // from here on the money may move: a failed final state is a failed payout
  try {
    const after = await moneySteps.confirmPayout({ workflowId, sessionId: ready.sessionId });
    applySnapshot(m, after);
    recordEvent(m, now(), 'bank:confirmed', `${after.status}/${after.payout?.status ?? '-'}`);
  } catch (err) {
    if (bankRejection(err)) return failFromBank(err, 'confirm', 'confirm_rejected');
    // Retries ran out without an answer: the confirm may have gone through. Only the bank can say.
    recordEvent(m, now(), 'bank:confirm_unanswered', err instanceof Error ? err.message : String(err));
  }

  // 6. Wait for `payment_finished`; a silent bank or a session in `error` sends us to `session/status`.
  if (!m.final) {
    goTo('awaiting_finish');
    await condition(() => m.final !== undefined || m.view.bankSessionStatus === 'error', t.finishTimeoutMs);
    if (!m.final) await reconcile(() => m.final !== undefined);
  }
  if (m.final) return endFromFinal(m.final);
  return unknownOutcome();
}
