/**
 * The money-safety invariant, as a seeded property over the real stack: random wire variants (the bank's
 * plausible spellings) × random faults on every endpoint (transport faults, odd answers, answers lost after
 * the bank acted) × random scenarios (webhook orders, duplicates, losses, bank-side failures) × webhook
 * replays through the gateway, checked payout by payout against the simulator's own books:
 *
 * - the bank confirmed at most once, and no payout ID has a second session;
 * - `succeeded` ⇔ the money moved; `failed`/`cancelled` ⇒ it did not (and cannot: no confirm reached the
 *   bank, or the bank ended the session); `unknown` only where the bank's own books are not final;
 * - no authentic webhook was lost: the gateway acknowledged every delivery, and each one was applied,
 *   recognised as a duplicate/late/foreign copy, or kept in an inbox.
 *
 * Payouts go by every method (account, SBP, card, self-employed). 300 payouts per CI run; `MONEY_SAFETY_PAYOUTS=2000` (or `npm run test:money-safety -- --long`, `-- --seed N`) for more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionSchema } from '../../bank131/schemas';
import { toSessionSnapshot } from '../../bank131/session-read';
import { webhookDedupKey } from '../../bank131/session';
import { payoutWorkflowId } from '../../policy/payout-request';
import type { LocalStack } from '../../harness/local-stack';
import { ALL_FAULT_KINDS, seededRandom, type FaultKind } from '../../simulator/faults';
import type { ScenarioName, WireVariant } from '../../simulator/server';
import { randomVariant } from '../../simulator/wire';
import { resolveScenario } from '../../simulator/scenarios';
import { inboxWorkflowId } from '../../webhook-gateway/mapping';
import { inboxQuery, type PayoutResult, type PayoutState, type Recipient } from '../../workflows/messages';
import { accountRequest, FAST_SETTINGS, startTestStack, uniquePayoutId } from '../helpers/stack';
import { postWebhook, signRaw } from '../helpers/webhooks';

const PAYOUTS = Number(process.env.MONEY_SAFETY_PAYOUTS ?? 300);
const SEED = Number(process.env.MONEY_SAFETY_SEED ?? 20261125);
/** In flight at once: enough to interleave, not so many that a 2-core machine only measures its queue. */
const CONCURRENCY = 60;

const ENDPOINTS = ['tokenize', 'session/init/payout', 'session/confirm', 'session/cancel', 'session/status'];
const SCENARIOS: ScenarioName[] = [
  'success',
  'success',
  'success',
  'payout_fails',
  'bank_cancels',
  'duplicate_webhooks',
  'out_of_order',
  'lose_ready_webhook',
  'lose_finished_webhook',
  'amount_mismatch',
  'recipient_mismatch',
  'init_rejected',
  'wallet_short_at_init',
  'confirm_response_lost',
  'session_error_after_confirm',
];

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({
    // Faults on session/status too: reconciliation needs a window longer than the end-to-end suite's.
    settings: { ...FAST_SETTINGS, timeouts: { ...FAST_SETTINGS.timeouts, reconcileMaxDurationMs: 20_000 } },
    simulator: { wire: 'random', seed: SEED },
  });
  stack.simulator.registerCard(CARD_TOKEN, { last4: '4242', brand: 'visa' });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

type PayoutMethod = 'account' | 'sbp' | 'card' | 'selfEmployed';
/** Chosen by index, so the seeded draws (scenario, faults) stay those of earlier runs. */
const methodOf = (i: number): PayoutMethod =>
  i % 4 === 3 ? 'sbp' : i % 8 === 1 ? 'card' : i % 8 === 5 ? 'selfEmployed' : 'account';
const CARD_TOKEN = 'card_tok_money_safety_4242';

function recipientFor(method: PayoutMethod, amount: number): Recipient | undefined {
  switch (method) {
    case 'sbp':
      return { kind: 'sbp', phone: '79680000000', bankId: '100000000069', fullName: 'Иванов Иван' };
    case 'card':
      return { kind: 'card', token: CARD_TOKEN, last4: '4242', brand: 'visa', fullName: 'Ivan Ivanov' };
    case 'selfEmployed':
      return {
        kind: 'selfEmployed',
        fullName: 'Петров Пётр Петрович',
        payTo: { kind: 'sbp', phone: '79261234567', bankId: '100000000111' },
        taxpayer: {
          taxReference: '123456789012',
          services: [{ name: 'Доставка документов', amount, quantity: 1 }],
        },
      };
    case 'account':
      return undefined;
  }
}

interface Run {
  payoutId: string;
  workflowId: string;
  scenario: ScenarioName;
  faults: { endpoint: string; kind: FaultKind; afterProcessing: boolean }[];
  /** How the recipient is paid (issue 15): by account, SBP (phone + bank ID), card token, or self-employed. */
  method: PayoutMethod;
  /** How the bank spells this payout's answers and webhooks. */
  wire: WireVariant;
  result?: PayoutResult;
  state?: PayoutState;
}

/**
 * The bank refused an init whose answer a fault then hid (after processing): the key is spent, so the retry
 * hears `idempotency_key_already_exists` and no session ever writes. Nothing the bank lets us ask tells that
 * from a session created with its answer and webhooks lost, so `unknown` (an operator asks the bank) is the
 * honest end, though the bank's books say no.
 */
function initRefusalHidden(run: Pick<Run, 'scenario' | 'faults'>): boolean {
  const refuses = resolveScenario(run.scenario).initRejectCode !== undefined;
  return (
    refuses &&
    run.faults.some(
      (f) => f.endpoint === 'session/init/payout' && (f.afterProcessing || f.kind === 'lost_response'),
    )
  );
}

/** Draws this payout's scenario and faults from the seeded generator: the same seed, the same run. */
function plan(random: () => number): Pick<Run, 'scenario' | 'faults'> {
  const scenario = SCENARIOS[Math.floor(random() * SCENARIOS.length)]!;
  const faults: Run['faults'] = [];
  for (const endpoint of ENDPOINTS) {
    if (random() >= 0.25) continue;
    const kind = ALL_FAULT_KINDS[Math.floor(random() * ALL_FAULT_KINDS.length)]!;
    // `slow` and `timeout` would only make the run longer; an odd answer after the bank acted is the case
    // that used to end `failed` while the money moved.
    if (kind === 'slow' || kind === 'timeout') continue;
    faults.push({ endpoint, kind, afterProcessing: kind !== 'lost_response' && random() < 0.5 });
  }
  return { scenario, faults };
}

async function runPayout(run: Run): Promise<void> {
  stack.simulator.setScenario(run.workflowId, run.scenario);
  stack.simulator.setWireVariant(run.workflowId, run.wire);
  for (const f of run.faults) stack.simulator.injectFault({ ...f, times: 1, workflowId: run.workflowId });
  const request = accountRequest(run.payoutId);
  const recipient = recipientFor(run.method, request.amount);
  await stack.payouts.startPayout(recipient ? { ...request, recipient } : request);
  run.result = await stack.payouts.result(run.payoutId);
  run.state = (await stack.payouts.getPayout(run.payoutId)).state;
}

/** Replays signed webhooks the bank already delivered, through the gateway, while payouts run. */
async function replayWhileRunning(random: () => number, running: () => boolean): Promise<number> {
  let replays = 0;
  while (running() && replays < PAYOUTS) {
    const delivered = stack.simulator.ledger.acknowledgedWebhooks();
    const pick = delivered[Math.floor(random() * delivered.length)];
    if (pick) {
      const raw = JSON.stringify(pick.body);
      const res = await postWebhook(
        `${stack.gatewayUrl!}/webhooks/bank131`,
        raw,
        signRaw(raw, stack.keys.bank.privateKeyPem),
      );
      expect(res.status).toBe(200);
      replays += 1;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return replays;
}

/** Whether an acknowledged webhook left a trace: applied, a recognised copy, or kept in an inbox. */
async function webhookAccountedFor(run: Run, body: unknown, inboxKeys: Map<string, Set<string>>) {
  const parsed = SessionSchema.safeParse((body as { session?: unknown }).session);
  if (!parsed.success) return true; // an unreadable body: the gateway test proves it is kept verbatim
  const type = (body as { type: string }).type;
  const snapshot = toSessionSnapshot(parsed.data);
  const key = webhookDedupKey(type, snapshot);
  const detail = `${snapshot.sessionId} ${snapshot.status}/${snapshot.payout?.status ?? '-'}`;
  const state = run.state!;
  if (state.seenWebhooks.includes(key)) return true;
  if (state.events.some((e) => e.kind.startsWith(`webhook:${type}`) && e.detail === detail)) return true;
  let keys = inboxKeys.get(snapshot.sessionId);
  if (!keys) {
    keys = new Set<string>();
    try {
      const inbox = await stack.client.workflow
        .getHandle(inboxWorkflowId(snapshot.sessionId))
        .query(inboxQuery);
      for (const w of inbox.webhooks) keys.add(w.dedupKey);
    } catch {
      // no inbox for this session
    }
    inboxKeys.set(snapshot.sessionId, keys);
  }
  return keys.has(key);
}

describe('money safety', () => {
  it(`${PAYOUTS} payouts: random wire variants × faults × webhook orders and replays, checked against the bank's books`, async () => {
    const random = seededRandom(SEED);
    // The simulator's own random spelling is drawn from each payout's ID, which is new every run: which payouts
    // met `recipient=none` (unverified details, so an approval nobody gives) moved from run to run, and the
    // successes with it (60 to 85). Drawn here, by index, from a generator of its own (so the scenarios and
    // faults stay those of earlier runs), the same seed gives the same payouts the same spelling.
    const spelling = seededRandom(SEED + 2);
    const runs: Run[] = Array.from({ length: PAYOUTS }, (_, i) => {
      const payoutId = uniquePayoutId('safety');
      return {
        payoutId,
        workflowId: payoutWorkflowId(payoutId),
        ...plan(random),
        method: methodOf(i),
        wire: randomVariant(spelling),
      };
    });

    let next = 0;
    let done = false;
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      while (next < runs.length) await runPayout(runs[next++]!);
    });
    const replays = replayWhileRunning(seededRandom(SEED + 1), () => !done);
    await Promise.all(workers);
    done = true;
    const replayed = await replays;

    const ledger = stack.simulator.ledger;
    const violations: string[] = [];
    const outcomes: Record<string, number> = {};
    const byMethod: Record<string, Record<string, number>> = {};
    const unknownBecause: Record<string, number> = {};
    const faultCounts: Record<string, number> = {};
    const inboxKeys = new Map<string, Set<string>>();
    let webhooksAcknowledged = 0;
    for (const run of runs) {
      const outcome = run.result!.outcome;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      const mine = (byMethod[run.method] ??= {});
      mine[outcome] = (mine[outcome] ?? 0) + 1;
      for (const f of run.faults) {
        const name = `${f.kind}${f.afterProcessing ? '(after processing)' : ''}`;
        faultCounts[name] = (faultCounts[name] ?? 0) + 1;
      }
      const bank = ledger.summaryFor(run.workflowId);
      const moved = ledger.moneyMoved(run.workflowId);
      const where = `${run.payoutId} [${run.method}; ${run.scenario}; ${run.faults.map((f) => `${f.endpoint}:${f.kind}${f.afterProcessing ? '+' : ''}`).join(',')}] → ${outcome}, bank: ${moved}, confirms ${bank.confirmsProcessed}`;
      if (bank.confirmsProcessed > 1) violations.push(`${where}: confirmed twice`);
      if (ledger.sessionsCreated(run.workflowId) > 1) violations.push(`${where}: a second session`);
      if ((outcome === 'succeeded') !== (moved === 'yes'))
        violations.push(`${where}: succeeded ⇎ money moved`);
      // `pending` with no confirm at the bank cannot move: the bank pays only after our confirm.
      const cannotMove = moved === 'no' || (moved === 'pending' && bank.confirmsProcessed === 0);
      if ((outcome === 'failed' || outcome === 'cancelled') && !cannotMove)
        violations.push(`${where}: reported ${outcome} while the money may move`);
      if (outcome === 'unknown') unknownBecause[`bank ${moved}`] = (unknownBecause[`bank ${moved}`] ?? 0) + 1;
      if (outcome === 'unknown' && moved !== 'ambiguous' && moved !== 'pending' && !initRefusalHidden(run))
        violations.push(`${where}: unknown while the bank's books are final`);

      const deliveries = ledger.webhookDeliveries(run.workflowId);
      for (const d of deliveries) {
        if (d.httpStatus === undefined || d.httpStatus < 200 || d.httpStatus >= 300) {
          violations.push(`${where}: webhook ${d.type} answered ${d.httpStatus ?? d.error}`);
          continue;
        }
        webhooksAcknowledged += 1;
        if (!(await webhookAccountedFor(run, d.body, inboxKeys)))
          violations.push(`${where}: webhook ${d.type} acknowledged but found nowhere`);
      }
    }

    const lines = [
      `money safety: seed ${SEED}, ${PAYOUTS} payouts, ${replayed} webhook replays, ${webhooksAcknowledged} webhook deliveries acknowledged`,
      `outcomes: ${JSON.stringify(outcomes)}; unknown where the bank's books say: ${JSON.stringify(unknownBecause)}`,
      `by method: ${JSON.stringify(byMethod)}`,
      `faults: ${JSON.stringify(faultCounts)}`,
      `wire variants: ${JSON.stringify(ledger.variantCounts())}`,
      `violations: ${violations.length}`,
    ];
    console.log(['', ...violations.slice(0, 20), ...lines].join('\n'));
    expect(violations).toEqual([]);
    // The draw must exercise the paths that move money, not only the ones that stop it.
    expect(outcomes.succeeded ?? 0).toBeGreaterThan(PAYOUTS / 5);
    expect(outcomes.failed ?? 0).toBeGreaterThan(0);
    // Every method moved money at least once, so its paths were taken, not only refused early.
    for (const method of ['account', 'sbp', 'card', 'selfEmployed'])
      expect(byMethod[method]?.succeeded ?? 0, method).toBeGreaterThan(0);
  }, 1_800_000);
});
