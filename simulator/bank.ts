/**
 * The simulated bank's books: tokens, payout sessions and their life cycle, idempotency keys. Answers the way
 * the documented API does and sends webhooks through the dispatcher. Transport concerns (signatures, faults,
 * the ledger of requests) live in the API layer.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { maskAccount } from '../bank131/session';
import type { Logger } from '../observability/logger';
import type { Ledger } from './ledger';
import {
  invalidRequest,
  ok,
  rejected,
  InitPayoutBody,
  SessionIdBody,
  TokenInfoBody,
  TokenizeBody,
  type BankAnswer,
  type BankError,
} from './protocol';
import {
  resolveScenario,
  scenarioNameForAmount,
  type ResolvedScenario,
  type Scenario,
  type ScenarioName,
  type SimWebhookType,
} from './scenarios';
import type { TimerRegistry } from './timers';
import type { SignedWebhook, WebhookDispatcher } from './webhooks';

type SessionStatus = 'in_progress' | 'accepted' | 'cancelled' | 'error';
type PayoutStatus = 'in_progress' | 'pending' | 'succeeded' | 'failed';

interface SimPayout {
  id: string;
  status: PayoutStatus;
  amount: number;
  currency: string;
  token: string;
  fullName: string;
  description: string;
  maskedAccount: string;
  metadata: unknown;
  createdAt: string;
  finishedAt?: string;
  error?: BankError;
}

export interface SimSession {
  id: string;
  /** The metadata sent at init when it is a string: our workflow ID. */
  workflowId?: string;
  status: SessionStatus;
  nextAction?: 'confirm';
  createdAt: string;
  updatedAt: string;
  error?: BankError;
  payout: SimPayout;
  scenario: ResolvedScenario;
  /** From ready_to_confirm on, the scenario's distortions (amount, recipient) show in what the bank reports. */
  distorted: boolean;
  /** Another recipient's token, for recipient_mismatch. */
  otherToken: string;
  readyWebhook?: SignedWebhook;
  cancelTimers: (() => void)[];
}

export interface BankOptions {
  projectId: string;
  processingDelayMs: number;
  confirmDeadlineMs: number;
  scenariosByAmount: boolean;
}

const OTHER_RECIPIENT_NAME = 'Петров Пётр Петрович';

export class SimulatedBank {
  private readonly tokens = new Map<string, { bik: string; account: string }>();
  private readonly sessions = new Map<string, SimSession>();
  private readonly scenarios = new Map<string, ResolvedScenario>();
  private readonly usedKeys = new Set<string>();
  private nextId = randomInt(1_000_000, 9_000_000);

  constructor(
    private readonly options: BankOptions,
    private readonly webhooks: WebhookDispatcher,
    private readonly ledger: Ledger,
    private readonly timers: TimerRegistry,
    private readonly logger?: Logger,
  ) {}

  setScenario(workflowId: string, scenario: ScenarioName | Scenario): void {
    this.scenarios.set(workflowId, resolveScenario(scenario));
  }

  /** The session a `{session_id}` body names, if the bank knows it. */
  sessionOf(body: unknown): SimSession | undefined {
    const parsed = SessionIdBody.safeParse(body);
    return parsed.success ? this.sessions.get(parsed.data.session_id) : undefined;
  }

  /**
   * True, and remembered, the first time a key is seen for this project and method; the bank refuses a key it
   * has processed (or is processing) before.
   */
  claimKey(endpoint: string, key: string | undefined): boolean {
    if (!key) return true;
    const scoped = `${this.options.projectId}\n${endpoint}\n${key}`;
    if (this.usedKeys.has(scoped)) return false;
    this.usedKeys.add(scoped);
    return true;
  }

  tokenize(raw: unknown): BankAnswer {
    const body = TokenizeBody.safeParse(raw);
    if (!body.success) return invalidRequest(body.error);
    const { bik, account } = body.data.bank_account_ru;
    const token = randomBytes(32).toString('hex');
    this.tokens.set(token, { bik, account });
    return ok({ token, data: { masked_account: maskAccount(account) } });
  }

  tokenInfo(raw: unknown): BankAnswer {
    const body = TokenInfoBody.safeParse(raw);
    if (!body.success) return invalidRequest(body.error);
    const known = this.tokens.get(body.data.bank_account_ru.token);
    if (!known) return rejected(400, 'invalid_request', 'unknown token');
    return ok({
      info: {
        type: 'bank_account_ru',
        bank_account_ru: { masked_account: maskAccount(known.account), bik: known.bik },
      },
    });
  }

  initPayout(raw: unknown): { answer: BankAnswer; session?: SimSession } {
    const body = InitPayoutBody.safeParse(raw);
    if (!body.success) return { answer: invalidRequest(body.error) };
    const { ru } = body.data.payment_method.bank_account;
    const account = this.tokens.get(ru.token);
    if (!account) return { answer: rejected(400, 'invalid_request', 'unknown token') };
    const { metadata } = body.data;
    const workflowId = typeof metadata === 'string' && metadata.length > 0 ? metadata : undefined;
    const scenario = this.scenarioFor(workflowId, body.data.amount_details.amount);
    if (scenario.initRejectCode) {
      return {
        answer: rejected(400, scenario.initRejectCode, 'The payout was rejected by the bank'),
      };
    }
    const now = new Date().toISOString();
    const session: SimSession = {
      id: `ps_${this.nextId++}`,
      workflowId,
      status: 'in_progress',
      createdAt: now,
      updatedAt: now,
      scenario,
      distorted: false,
      otherToken: randomBytes(32).toString('hex'),
      cancelTimers: [],
      payout: {
        id: `po_${this.nextId++}`,
        status: 'in_progress',
        amount: body.data.amount_details.amount,
        currency: body.data.amount_details.currency,
        token: ru.token,
        fullName: ru.full_name,
        description: ru.description,
        maskedAccount: maskAccount(account.account),
        metadata,
        createdAt: now,
      },
    };
    this.sessions.set(session.id, session);
    this.later(session, this.options.processingDelayMs, () => this.becomeReadyToConfirm(session));
    return { answer: ok({ session: this.render(session) }), session };
  }

  /**
   * Accepts the confirm when the session awaits it. Resolves after payment_finished was acknowledged when the
   * scenario delivers it before the response (out_of_order).
   */
  async confirm(session: SimSession): Promise<BankAnswer> {
    if (session.nextAction !== 'confirm') return wrongState(session);
    this.clearTimers(session);
    session.nextAction = undefined;
    this.touch(session);
    if (session.scenario.finishedBeforeConfirmResponse) {
      await this.process(session);
    } else {
      this.later(session, this.options.processingDelayMs, () => void this.process(session));
    }
    return session.scenario.confirmResponseLost
      ? { dropConnection: true }
      : ok({ session: this.render(session) });
  }

  cancel(session: SimSession): BankAnswer {
    if (session.nextAction !== 'confirm') return wrongState(session);
    // The state changes now; the webhook goes out in the background, as at the bank.
    void this.end(session, 'cancelled', 'failed', {
      code: 'session_cancelled_by_partner',
      description: 'The session was cancelled by the partner',
    });
    return ok({ session: this.render(session) });
  }

  status(session: SimSession): BankAnswer {
    return ok({ session: this.render(session) });
  }

  private scenarioFor(workflowId: string | undefined, amount: number): ResolvedScenario {
    const chosen = workflowId === undefined ? undefined : this.scenarios.get(workflowId);
    if (chosen) return chosen;
    return resolveScenario(this.options.scenariosByAmount ? scenarioNameForAmount(amount) : 'success');
  }

  private later(session: SimSession, ms: number, fn: () => void): void {
    session.cancelTimers.push(this.timers.after(ms, fn));
  }

  private clearTimers(session: SimSession): void {
    for (const cancel of session.cancelTimers) cancel();
    session.cancelTimers = [];
  }

  private touch(session: SimSession): void {
    session.updatedAt = new Date().toISOString();
  }

  private becomeReadyToConfirm(session: SimSession): void {
    session.nextAction = 'confirm';
    session.payout.status = 'pending';
    session.distorted = true;
    this.touch(session);
    void this.send(session, 'ready_to_confirm');
    if (session.scenario.bankCancels) {
      // Synchronously after the ready_to_confirm snapshot: no confirm can land before the cancel.
      void this.end(session, 'cancelled', 'failed', {
        code: 'operation_rejected',
        description: 'The operation was rejected for security reasons',
      });
      return;
    }
    this.later(session, this.options.confirmDeadlineMs, () => {
      if (session.nextAction !== 'confirm') return;
      void this.end(session, 'cancelled', 'failed', {
        code: 'confirm_timeout',
        description: 'Transaction canceled due to timeout',
      });
    });
  }

  /** The bank executes a confirmed payout. */
  private async process(session: SimSession): Promise<void> {
    const s = session.scenario;
    if (s.sessionErrorAfterConfirm) {
      session.status = 'error';
      session.error = { code: 'internal_error', description: 'Unexpected error, the result is unknown' };
      this.touch(session);
      this.recordFinal(session);
      return;
    }
    if (s.payoutResult === 'succeeded') {
      await this.end(session, 'accepted', 'succeeded');
    } else {
      await this.end(session, 'cancelled', 'failed', {
        code: s.failureCode,
        description: s.failureDescription,
      });
    }
    if (s.staleReadyAfterFinish && session.readyWebhook && !this.timers.isClosed) {
      await this.webhooks.enqueue(session.readyWebhook, !s.webhooksInParallel);
    }
  }

  /** Final state, then payment_finished; resolves once every copy was acknowledged or given up. */
  private end(
    session: SimSession,
    status: SessionStatus,
    payoutStatus: PayoutStatus,
    error?: BankError,
  ): Promise<void> {
    this.clearTimers(session);
    session.status = status;
    session.nextAction = undefined;
    session.payout.status = payoutStatus;
    session.payout.finishedAt = new Date().toISOString();
    if (error) {
      session.error = error;
      session.payout.error = error;
    }
    this.touch(session);
    this.recordFinal(session);
    return this.send(session, 'payment_finished');
  }

  private recordFinal(session: SimSession): void {
    this.logger?.debug(
      { sessionId: session.id, workflowId: session.workflowId, status: session.status },
      'session settled',
    );
    if (session.workflowId)
      this.ledger.recordFinal(session.workflowId, session.status, session.payout.status);
  }

  /** Serializes and signs the session as it is now, once, and delivers the copies the scenario asks for. */
  private send(session: SimSession, type: SimWebhookType): Promise<void> {
    const s = session.scenario;
    if (this.timers.isClosed || s.loseWebhooks.includes(type)) return Promise.resolve();
    const webhook = this.webhooks.sign(
      type,
      { type, session: this.render(session) },
      session.id,
      session.workflowId,
    );
    if (type === 'ready_to_confirm') session.readyWebhook = webhook;
    const copies = Array.from({ length: s.webhookCopies }, () =>
      this.webhooks.enqueue(webhook, !s.webhooksInParallel),
    );
    return Promise.all(copies).then(() => undefined);
  }

  /** The session as `session/status` and the webhooks return it (v1 names: `payments`, `payment_method`). */
  render(session: SimSession): Record<string, unknown> {
    const p = session.payout;
    const s = session.scenario;
    const otherRecipient = session.distorted && s.recipientMismatch;
    return {
      id: session.id,
      status: session.status,
      created_at: session.createdAt,
      updated_at: session.updatedAt,
      ...(session.nextAction ? { next_action: session.nextAction } : {}),
      ...(session.error ? { error: session.error } : {}),
      payments: [
        {
          id: p.id,
          status: p.status,
          created_at: p.createdAt,
          ...(p.finishedAt ? { finished_at: p.finishedAt } : {}),
          payment_method: {
            type: 'bank_account',
            bank_account: {
              system_type: 'ru',
              ru: {
                token: otherRecipient ? session.otherToken : p.token,
                account: p.maskedAccount,
                full_name: otherRecipient ? OTHER_RECIPIENT_NAME : p.fullName,
                description: p.description,
              },
            },
          },
          amount_details: {
            amount: p.amount + (session.distorted ? s.amountDelta : 0),
            currency: p.currency,
          },
          ...(p.metadata === undefined ? {} : { metadata: p.metadata }),
          ...(p.error ? { error: p.error } : {}),
        },
      ],
    };
  }
}

function wrongState(session: SimSession): BankAnswer {
  const state = session.nextAction ? `awaiting ${session.nextAction}` : session.status;
  return rejected(400, 'session_wrong_state', `Cannot perform a transaction in this status (${state})`);
}
