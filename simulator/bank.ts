/**
 * The simulated bank's books: tokens, payout sessions and their life cycle, idempotency keys. Answers the
 * way the documented API does and drives webhooks through the dispatcher.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { z } from 'zod';
import { isPayableAccountNumber, isValidBik, maskAccountNumber } from './accounts';
import {
  InitBody,
  isSbpBank,
  receiptFor,
  SBP_BANKS,
  VerificationBody,
  type SimCard,
  type SimMethod,
} from './methods';
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
  /** Inits refused by a scenario, per workflow: `initRejectTimes` counts them. */
  private readonly initRefusals = new Map<string, number>();
  private readonly cards = new Map<string, SimCard>();
  private readonly verifications = new Map<string, VerificationSession>();
  private readonly verificationTimers: NodeJS.Timeout[] = [];
  /** The wallet payouts draw on: plenty unless a test says otherwise. */
  private balance = 10_000_000_000_000;
  private receipts = 0;
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
    this.verificationTimers.forEach(clearTimeout);
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
    const paid = this.payee(body.data);
    if ('answer' in paid) return paid;
    if (body.data.amount_details.amount > this.balance)
      return { answer: fail(400, 'insufficient_wallet_balance', 'not enough money on the wallet') };
    const fiscal = body.data.fiscalization_details?.professional_income_taxpayer;
    const workflowId = workflowIdOfMetadata(body.data.metadata) ?? '';
    const scenario =
      this.scenarios.get(workflowId) ??
      (this.options.scenariosByAmount
        ? scenarioForAmount(body.data.amount_details.amount)
        : resolveScenario('success'));
    const refused = this.initRefusals.get(workflowId) ?? 0;
    if (scenario.initRejectCode && refused < (scenario.initRejectTimes ?? Infinity)) {
      this.initRefusals.set(workflowId, refused + 1);
      return { answer: fail(400, scenario.initRejectCode, 'rejected by the simulated bank') };
    }
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
        ...paid,
        participantName: body.data.participant_details?.recipient.full_name,
        ...(fiscal ? { taxReference: fiscal.tax_reference } : {}),
        createdAt: now,
        refunds: [],
      },
    };
    this.sessions.set(session.id, session);
    this.ledger.recordSession(workflowId, session.id, this.variantFor(workflowId));
    this.later(session, this.processingDelay(session.scenario), () => this.becomeReady(session));
    return { answer: ok({ session: this.render(session) }), session };
  }

  /** Who is paid, by the init's payment method: a known account token, a card the vault knows, an SBP bank. */
  private payee(
    body: InitBody,
  ):
    | { answer: BankAnswer }
    | Pick<WirePayout, 'token' | 'account' | 'fullName' | 'description' | 'isFast' | 'method'> {
    const pm = body.payment_method;
    const name = body.participant_details?.recipient.full_name;
    if (pm.type === 'card') {
      const key =
        pm.card.type === 'tokenized_card' ? pm.card.tokenized_card.token : pm.card.encrypted_card.number_hash;
      const card = this.cards.get(key);
      if (!card) return { answer: fail(400, 'invalid_request', 'unknown card token or hash') };
      if (!name)
        return {
          answer: fail(
            400,
            'invalid_request',
            'participant_details.recipient.full_name is required for cards',
          ),
        };
      const token = pm.card.type === 'tokenized_card' ? key : '';
      return {
        token,
        account: '',
        fullName: name,
        description: '',
        method: { kind: 'card', ...card, token },
      };
    }
    const account = pm.bank_account;
    if (account.system_type === 'faster_payment_system') {
      const fps = account.faster_payment_system;
      if (!isSbpBank(fps.bank_id))
        return { answer: fail(400, 'invalid_request', `unknown SBP bank_id ${fps.bank_id}`) };
      return {
        token: '',
        account: '',
        fullName: name ?? '',
        description: fps.description,
        method: { kind: 'sbp', phone: fps.phone, bankId: fps.bank_id, description: fps.description },
      };
    }
    const known = this.tokens.get(account.ru.token);
    if (!known) return { answer: fail(400, 'invalid_request', 'unknown token') };
    return {
      token: account.ru.token,
      account: known.account,
      fullName: account.ru.full_name,
      description: account.ru.description,
      isFast: account.ru.is_fast,
    };
  }

  /** Cards the simulated vault holds: a token or widget hash → brand and last 4 (tests register them). */
  registerCard(tokenOrHash: string, card: SimCard): void {
    this.cards.set(tokenOrHash, card);
  }

  setBalance(amount: number): void {
    this.balance = amount;
  }

  getBalance(): number {
    return this.balance;
  }

  fpsBanks(): HttpAnswer {
    return ok({ banks: SBP_BANKS });
  }

  walletBalance(): HttpAnswer {
    return ok({ wallets: [{ id: '131', amount_details: { amount: this.balance, currency: 'rub' } }] });
  }

  /**
   * `fps/customer_verification`: a session that ends `accepted` naming the person SBP knows for the phone at
   * that bank, or `cancelled` when the phone is not registered there. No webhooks; status tells.
   */
  verify(raw: unknown, workflowId: string | undefined): BankAnswer {
    const body = VerificationBody.safeParse(raw);
    if (!body.success)
      return fail(400, 'invalid_request', 'expected faster_payment_system_verification details');
    const fps = body.data.payment_method.bank_account.faster_payment_system_verification;
    if (!isSbpBank(fps.bank_id)) return fail(400, 'invalid_request', `unknown SBP bank_id ${fps.bank_id}`);
    const asked = body.data.participant_details.recipient;
    const scenario = (workflowId && this.scenarios.get(workflowId)) || resolveScenario('success');
    const now = new Date().toISOString();
    const v: VerificationSession = {
      id: `ps_${this.nextId++}`,
      payoutId: `po_${this.nextId++}`,
      status: 'in_progress',
      phone: fps.phone,
      bankId: fps.bank_id,
      createdAt: now,
      updatedAt: now,
      workflowId: workflowId ?? '',
    };
    this.verifications.set(v.id, v);
    const timer = setTimeout(() => {
      v.updatedAt = new Date().toISOString();
      if (scenario.sbpVerification === 'not_registered') {
        v.status = 'cancelled';
        v.error = {
          code: 'recipient_not_found',
          description: 'the phone is not registered in SBP at this bank',
        };
      } else {
        v.status = 'accepted';
        v.name =
          scenario.sbpVerification === 'mismatch'
            ? { first_name: 'Пётр', last_name: 'Петров', middle_name: 'Петрович' }
            : asked;
      }
    }, this.processingDelay(scenario));
    this.verificationTimers.push(timer);
    return ok({ session: this.renderVerification(v) });
  }

  verificationOf(raw: unknown): VerificationSession | undefined {
    const body = SessionIdBody.safeParse(raw);
    return body.success ? this.verifications.get(body.data.session_id) : undefined;
  }

  renderVerification(v: VerificationSession): Record<string, unknown> {
    const variant = this.variantFor(v.workflowId);
    const final = v.status !== 'in_progress';
    return {
      id: v.id,
      status: v.status,
      created_at: v.createdAt,
      updated_at: v.updatedAt,
      ...(v.error ? { error: v.error } : {}),
      [variant.version === 'v1' ? 'payments' : 'payout_list']: [
        {
          id: v.payoutId,
          status: !final ? 'in_progress' : v.status === 'accepted' ? 'succeeded' : 'failed',
          [variant.version === 'v1' ? 'payment_method' : 'payout_details']: {
            type: 'bank_account',
            bank_account: {
              system_type: 'faster_payment_system_verification',
              faster_payment_system_verification: { phone: v.phone, bank_id: v.bankId },
            },
          },
          ...(v.name ? { participant_details: { recipient: v.name } } : {}),
          ...(v.error ? { error: v.error } : {}),
        },
      ],
    };
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
      this.later(session, this.processingDelay(session.scenario), () => void this.finish(session));
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

  private processingDelay(scenario: Scenario): number {
    return scenario.processingDelayMs ?? this.options.processingDelayMs;
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
    if (payoutStatus === 'succeeded') {
      this.balance -= session.payout.amount;
      this.issueReceipt(session);
    }
    const refundAfterMs = session.scenario.refundAfterMs;
    if (payoutStatus === 'succeeded' && refundAfterMs !== undefined)
      this.later(session, refundAfterMs, () => void this.refundNow(session, session.payout.amount));
    return this.send(session, 'payment_finished');
  }

  /** A self-employed payout's receipt: at once (in payment_finished), later (status only), or never. */
  private issueReceipt(session: SimSession): void {
    const { taxReference } = session.payout;
    const s = session.scenario;
    if (taxReference === undefined || s.receiptFails) return;
    const issue = () => {
      session.payout.receipt = receiptFor(taxReference, ++this.receipts);
      this.touch(session);
    };
    if (s.receiptDelayMs === undefined) issue();
    else this.later(session, s.receiptDelayMs, issue);
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
        method: s.recipientMismatch ? otherRecipient(session.payout.method) : session.payout.method,
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

/** Another card or SBP account than the one asked for (the `recipientMismatch` scenario). */
function otherRecipient(method: SimMethod | undefined): SimMethod | undefined {
  if (method?.kind === 'card') return { ...method, last4: method.last4 === '0000' ? '1111' : '0000' };
  if (method?.kind === 'sbp') return { ...method, bankId: SBP_BANKS.find((b) => b.id !== method.bankId)!.id };
  return method;
}

/** An SBP recipient check (`fps/customer_verification`) and its answer. */
export interface VerificationSession {
  id: string;
  payoutId: string;
  workflowId: string;
  status: 'in_progress' | 'accepted' | 'cancelled';
  phone: string;
  bankId: string;
  name?: { first_name?: string; last_name?: string; middle_name?: string };
  error?: { code: string; description: string };
  createdAt: string;
  updatedAt: string;
}
