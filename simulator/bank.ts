/**
 * The simulated bank's books: tokens, payout sessions and their life cycle, idempotency keys. Answers the
 * way the documented API does and drives webhooks through the dispatcher.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { z } from 'zod';
import { isPayableAccountNumber, isValidBik, maskAccountNumber } from './accounts';
import type { Ledger } from './ledger';
import {
  resolveScenario,
  scenarioForAmount,
  type Scenario,
  type ScenarioName,
  type WebhookType,
} from './scenarios';
import type { WebhookDispatcher } from './webhooks';
import {
  DEFAULT_WIRE,
  drawnVariant,
  renderSession,
  renderUnknownWebhook,
  renderWebhook,
  resolveVariant,
  type WirePayout,
  type WireSession,
  type WireVariant,
} from './wire';

/**
 * The bank treats `metadata` as opaque. The simulator reads the partner's workflow ID from it (the part
 * before `/`) only to key its own books: scenarios, faults and the ledger are chosen per payout by tests.
 */
export function workflowIdOfMetadata(metadata: unknown): string | undefined {
  return typeof metadata === 'string' ? metadata.split('/')[0] : undefined;
}

export interface HttpAnswer {
  httpStatus: number;
  body: unknown;
}
export type BankAnswer = HttpAnswer | { destroySocket: true };

export interface SimSession extends WireSession {
  workflowId: string;
  scenario: Scenario;
  timers: NodeJS.Timeout[];
}

const TokenizeBody = z.object({
  type: z.literal('bank_account_ru'),
  bank_account_ru: z.object({ bik: z.string(), account: z.string() }),
});
const TokenInfoBody = z.object({
  type: z.literal('bank_account_ru'),
  bank_account_ru: z.object({ token: z.string() }),
});
const InitBody = z.object({
  payment_method: z.object({
    type: z.literal('bank_account'),
    bank_account: z.object({
      system_type: z.literal('ru'),
      ru: z.object({
        token: z.string(),
        full_name: z.string().min(1),
        description: z.string().min(1).max(210),
        is_fast: z.boolean().optional(),
      }),
    }),
  }),
  amount_details: z.object({ amount: z.number().int().positive(), currency: z.string() }),
  metadata: z.unknown().optional(),
});
const SessionIdBody = z.object({ session_id: z.string() });

const ok = (body: Record<string, unknown>): HttpAnswer => ({
  httpStatus: 200,
  body: { status: 'ok', ...body },
});
const fail = (httpStatus: number, code: string, description: string): HttpAnswer => ({
  httpStatus,
  body: { status: 'error', error: { code, description } },
});

export interface BankOptions {
  processingDelayMs: number;
  confirmDeadlineMs: number;
  scenariosByAmount: boolean;
  /** Random wire mode: each payout draws its variant from this seed; without it, the default. */
  wireSeed?: number;
}

export class SimulatedBank {
  private readonly tokens = new Map<string, { bik: string; account: string }>();
  private readonly sessions = new Map<string, SimSession>();
  private readonly scenarios = new Map<string, Scenario>();
  private readonly wires = new Map<string, WireVariant>();
  private readonly usedKeys = new Set<string>();
  private nextId = randomInt(1_000_000, 9_000_000);
  private closed = false;

  constructor(
    private readonly options: BankOptions,
    private readonly webhooks: WebhookDispatcher,
    private readonly ledger: Ledger,
  ) {}

  setScenario(workflowId: string, spec: ScenarioName | Partial<Scenario>): void {
    this.scenarios.set(workflowId, resolveScenario(spec));
  }

  setWireVariant(workflowId: string, patch: Partial<WireVariant>): void {
    this.wires.set(workflowId, resolveVariant(patch));
  }

  /** The payout's spelling: the one set for it, else (random mode) its own draw, else the default. */
  variantFor(workflowId: string | undefined): WireVariant {
    if (workflowId === undefined) return DEFAULT_WIRE;
    const { wireSeed } = this.options;
    return (
      this.wires.get(workflowId) ??
      (wireSeed === undefined ? DEFAULT_WIRE : drawnVariant(wireSeed, workflowId))
    );
  }

  workflowIdOfSession(sessionId: string): string | undefined {
    return this.sessions.get(sessionId)?.workflowId;
  }

  close(): void {
    this.closed = true;
    for (const s of this.sessions.values()) s.timers.forEach(clearTimeout);
  }

  /** True (and remembered) the first time; the bank refuses a key it has processed before. */
  claimKey(endpoint: string, key: string | undefined): boolean {
    if (!key) return true;
    const scoped = `${endpoint}|${key}`;
    if (this.usedKeys.has(scoped)) return false;
    this.usedKeys.add(scoped);
    return true;
  }

  static readonly KEY_EXISTS = fail(
    400,
    'idempotency_key_already_exists',
    'already in progress or processed',
  );

  tokenize(raw: unknown): BankAnswer {
    const body = TokenizeBody.safeParse(raw);
    if (!body.success)
      return fail(
        400,
        'invalid_request',
        'expected {type:"bank_account_ru", bank_account_ru:{bik, account}}',
      );
    const { bik, account } = body.data.bank_account_ru;
    if (!isValidBik(bik)) return fail(400, 'invalid_request', 'bik must be 9 digits');
    if (!isPayableAccountNumber(account)) {
      return fail(400, 'invalid_request', 'account must be 20 digits with an allowed prefix');
    }
    const token = randomBytes(32).toString('hex');
    this.tokens.set(token, { bik, account });
    // tokenize's mask is the documented one; sessions and webhooks use the variant's, so the client can
    // never rely on the two renderings being equal.
    return ok({ token, data: { masked_account: maskAccountNumber(account, 'short') } });
  }

  tokenInfo(raw: unknown): BankAnswer {
    const body = TokenInfoBody.safeParse(raw);
    if (!body.success)
      return fail(400, 'invalid_request', 'expected {type:"bank_account_ru", bank_account_ru:{token}}');
    const known = this.tokens.get(body.data.bank_account_ru.token);
    if (!known) return fail(400, 'invalid_request', 'unknown token');
    return ok({
      info: {
        type: 'bank_account_ru',
        bank_account_ru: { masked_account: maskAccountNumber(known.account, 'short'), bik: known.bik },
      },
    });
  }

  initPayout(raw: unknown): { answer: BankAnswer; session?: SimSession } {
    const body = InitBody.safeParse(raw);
    if (!body.success) {
      const issue = body.error.issues[0];
      return {
        answer: fail(
          400,
          'invalid_request',
          `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
        ),
      };
    }
    const { ru } = body.data.payment_method.bank_account;
    const known = this.tokens.get(ru.token);
    if (!known) return { answer: fail(400, 'invalid_request', 'unknown token') };
    const workflowId = workflowIdOfMetadata(body.data.metadata) ?? '';
    const scenario =
      this.scenarios.get(workflowId) ??
      (this.options.scenariosByAmount
        ? scenarioForAmount(body.data.amount_details.amount)
        : resolveScenario('success'));
    if (scenario.initRejectCode)
      return { answer: fail(400, scenario.initRejectCode, 'rejected by the simulated bank') };
    const now = new Date().toISOString();
    const session: SimSession = {
      id: `ps_${this.nextId++}`,
      workflowId,
      status: 'in_progress',
      createdAt: now,
      updatedAt: now,
      // Echoed as sent, like the bank does.
      metadata: body.data.metadata,
      scenario,
      timers: [],
      payout: {
        id: `po_${this.nextId++}`,
        status: 'in_progress',
        amount: body.data.amount_details.amount,
        currency: body.data.amount_details.currency,
        token: ru.token,
        account: known.account,
        fullName: ru.full_name,
        description: ru.description,
        isFast: ru.is_fast,
        createdAt: now,
        refunds: [],
      },
    };
    this.sessions.set(session.id, session);
    this.ledger.recordSession(workflowId, session.id, this.variantFor(workflowId));
    this.later(session, this.options.processingDelayMs, () => this.becomeReady(session));
    return { answer: ok({ session: this.render(session) }), session };
  }

  sessionOf(raw: unknown): SimSession | undefined {
    const body = SessionIdBody.safeParse(raw);
    return body.success ? this.sessions.get(body.data.session_id) : undefined;
  }

  async confirm(session: SimSession): Promise<BankAnswer> {
    if (session.nextAction !== 'confirm')
      return fail(400, 'session_wrong_state', `session is ${session.status}`);
    session.timers.forEach(clearTimeout);
    session.timers = [];
    session.nextAction = undefined;
    session.payout.status = 'pending';
    this.touch(session);
    if (session.scenario.finishedBeforeConfirmResponse) {
      await this.finish(session);
    } else {
      this.later(session, this.options.processingDelayMs, () => void this.finish(session));
    }
    return session.scenario.confirmResponseLost
      ? { destroySocket: true }
      : ok({ session: this.render(session) });
  }

  cancel(session: SimSession): BankAnswer {
    if (session.nextAction !== 'confirm')
      return fail(400, 'session_wrong_state', `session is ${session.status}`);
    // Delivery of the resulting webhook runs in the background, as at the bank.
    void this.end(session, 'cancelled', 'failed', {
      code: 'session_cancelled_by_partner',
      description: 'cancelled by the partner',
    });
    return ok({ session: this.render(session) });
  }

  status(session: SimSession): BankAnswer {
    return ok({ session: this.render(session) });
  }

  private later(session: SimSession, ms: number, fn: () => void): void {
    if (this.closed) return;
    session.timers.push(setTimeout(fn, ms));
  }

  private touch(session: SimSession): void {
    session.updatedAt = new Date().toISOString();
  }

  private becomeReady(session: SimSession): void {
    if (session.scenario.bankCancelsBeforeConfirm) {
      void this.end(session, 'cancelled', 'failed', {
        code: 'operation_rejected',
        description: 'rejected for security reasons',
      });
      return;
    }
    session.nextAction = 'confirm';
    session.payout.status = 'pending';
    this.touch(session);
    void this.send(session, 'ready_to_confirm');
    this.later(session, this.options.confirmDeadlineMs, () => {
      if (session.nextAction === 'confirm') {
        void this.end(session, 'cancelled', 'failed', {
          code: 'confirm_timeout',
          description: 'Transaction canceled due to timeout',
        });
      }
    });
  }

  private async finish(session: SimSession): Promise<void> {
    const s = session.scenario;
    if (s.sessionErrorAfterConfirm) {
      session.status = 'error';
      session.error = { code: 'internal_error', description: 'unexpected error, result unknown' };
      this.touch(session);
      this.ledger.recordFinal(session.workflowId, session.id, 'error', session.payout.status);
      return;
    }
    // Taken before the payout finishes: the stale copy still asks for confirmation.
    const staleReady = s.staleReadyAfterFinish
      ? { ...this.reported(session), status: 'in_progress' as const, nextAction: 'confirm' as const }
      : undefined;
    if (s.payoutResult === 'succeeded') {
      await this.end(session, 'accepted', 'succeeded');
    } else {
      await this.end(session, 'cancelled', 'failed', {
        code: s.failureCode,
        description: 'declined by the recipient bank',
      });
    }
    if (staleReady) void this.deliver(session, 'ready_to_confirm', staleReady, 1);
  }

  private end(
    session: SimSession,
    status: SimSession['status'],
    payoutStatus: WirePayout['status'],
    error?: { code: string; description: string },
  ): Promise<void> {
    session.timers.forEach(clearTimeout);
    session.timers = [];
    session.status = status;
    session.nextAction = undefined;
    session.payout.status = payoutStatus;
    session.payout.finishedAt = new Date().toISOString();
    if (error) {
      session.error = error;
      session.payout.error = error;
    }
    this.touch(session);
    this.ledger.recordFinal(session.workflowId, session.id, status, payoutStatus);
    const refundAfterMs = session.scenario.refundAfterMs;
    if (payoutStatus === 'succeeded' && refundAfterMs !== undefined)
      this.later(session, refundAfterMs, () => void this.refundNow(session, session.payout.amount));
    return this.send(session, 'payment_finished');
  }

  /**
   * The recipient's bank returns a succeeded payout: the payout gets a refund and the bank sends
   * `payment_refunded`. The session stays `accepted`.
   */
  refund(sessionId: string, options: { amount?: number; afterMs?: number } = {}): HttpAnswer {
    const session = this.sessions.get(sessionId);
    if (!session) return fail(404, 'invalid_request', 'unknown session_id');
    if (session.payout.status !== 'succeeded')
      return fail(400, 'session_wrong_state', `payout is ${session.payout.status}`);
    const left = session.payout.amount - session.payout.refunds.reduce((sum, r) => sum + r.amount, 0);
    const amount = options.amount ?? left;
    if (!Number.isInteger(amount) || amount <= 0 || amount > left)
      return fail(400, 'invalid_request', `amount must be a positive integer up to ${left}`);
    if (options.afterMs) this.later(session, options.afterMs, () => void this.refundNow(session, amount));
    else void this.refundNow(session, amount);
    return ok({});
  }

  private refundNow(session: SimSession, amount: number): Promise<void> {
    const now = new Date().toISOString();
    const refund = {
      id: `rf_${this.nextId++}`,
      status: 'accepted' as const,
      createdAt: now,
      finishedAt: now,
      amount,
      currency: session.payout.currency,
    };
    session.payout.refunds.push(refund);
    this.touch(session);
    this.ledger.recordRefund(session.workflowId, session.id, refund.id, amount);
    return this.send(session, 'payment_refunded');
  }

  private send(session: SimSession, type: WebhookType): Promise<void> {
    if (this.closed || session.scenario.loseWebhooks.includes(type)) return Promise.resolve();
    return this.deliver(session, type, this.reported(session), session.scenario.webhookCopies);
  }

  private deliver(session: SimSession, type: WebhookType, facts: WireSession, copies: number): Promise<void> {
    const variant = this.variantFor(session.workflowId);
    if (variant.webhookQuirk === 'unknown_type_without_session') {
      // Its own queue: a receiver that refuses it must not hold back the payout's real webhooks.
      void this.webhooks.enqueue(
        'something_new',
        renderUnknownWebhook(facts),
        `${session.id}:unknown`,
        session.workflowId,
      );
    }
    const body = renderWebhook(type, facts, variant);
    const sends = Array.from({ length: Math.max(1, copies) }, () =>
      this.webhooks.enqueue(type, body, session.id, session.workflowId),
    );
    return Promise.all(sends).then(() => undefined);
  }

  /** What the bank reports about the session: the truth, unless the scenario distorts it (everywhere). */
  private reported(session: SimSession): WireSession {
    const s = session.scenario;
    return {
      ...session,
      payout: {
        ...session.payout,
        token: s.recipientMismatch ? 'f'.repeat(64) : session.payout.token,
        fullName: s.recipientMismatch ? 'Петров Пётр Петрович' : session.payout.fullName,
        amount: session.payout.amount + s.amountDelta,
      },
    };
  }

  /** The session as the API returns it, in the payout's wire variant. */
  render(session: SimSession): Record<string, unknown> {
    return renderSession(this.reported(session), this.variantFor(session.workflowId));
  }
}
