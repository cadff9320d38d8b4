/**
 * Metrics. The worker's go through Temporal's runtime meter, so workflow metrics are replay-safe and share one
 * Prometheus endpoint with the SDK's own; the gateway, which runs no worker, uses prom-client.
 */
import type { MetricMeter } from '@temporalio/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Bank131CallEvent } from '../bank131/client';

export interface WebhookEvent {
  type: string;
  status: number;
  outcome: string;
  durationMs: number;
}

export interface GatewayMetrics {
  registry: Registry;
  recordWebhook(e: WebhookEvent): void;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const webhooks = new Counter({
    name: 'webhooks_total',
    help: 'Bank 131 webhooks received, by type, HTTP status answered and outcome',
    labelNames: ['type', 'status', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'webhook_duration_seconds',
    help: 'Time from receiving a webhook to answering it (signal accepted by Temporal included)',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const returns = new Counter({
    name: 'webhook_payout_returns_total',
    help: 'Refund webhooks for finished payouts handed to their returns workflow (money sent back)',
    registers: [registry],
  });
  return {
    registry,
    recordWebhook: (e) => {
      if (e.outcome === 'returns') returns.inc();
      // Unknown types come from outside: bound the label's values.
      const type = /^[a-z_]{1,40}$/.test(e.type) ? e.type : 'other';
      webhooks.inc({ type, status: String(e.status), outcome: e.outcome });
      duration.observe({ outcome: e.outcome }, e.durationMs / 1000);
    },
  };
}

/** Bank 131 calls, for the worker's Prometheus endpoint (Temporal runtime meter). */
export function bank131CallRecorder(meter: MetricMeter): (e: Bank131CallEvent) => void {
  const requests = meter.createCounter(
    'bank131_requests',
    'requests',
    'Bank 131 API calls by endpoint and outcome',
  );
  const latency = meter.createHistogram('bank131_request_duration', 'int', 'ms', 'Bank 131 API call latency');
  return (e) => {
    const tags = { endpoint: e.endpoint, outcome: e.outcome };
    requests.add(1, tags);
    latency.record(Math.round(e.durationMs), tags);
  };
}

/** The waits a payout can sit in for long: the steps an operator watches on the dashboard. */
export const WAITING_STEPS = [
  'awaiting_funds',
  'awaiting_ready',
  'awaiting_approval',
  'awaiting_finish',
  'reconciling',
  'awaiting_receipt',
] as const;
const VISIBILITY_CACHE_MS = 15_000;

/**
 * Payouts counted in Temporal's visibility (search attributes) at scrape time, at most every 15 s: how many
 * wait in each step, and how many ended `unknown` or were returned. Every gateway exports the same counts
 * (dashboards take the max); a failed count leaves the series out rather than report a wrong zero.
 */
export function registerPayoutGauges(
  registry: Registry,
  count: (query: string) => Promise<number>,
  workflowType: string,
): void {
  if (registry.getSingleMetric('payouts_waiting')) return;
  const cached = new Map<string, { at: number; value: number }>();
  const countCached = async (query: string): Promise<number | undefined> => {
    const hit = cached.get(query);
    if (hit && Date.now() - hit.at < VISIBILITY_CACHE_MS) return hit.value;
    try {
      const value = await count(query);
      cached.set(query, { at: Date.now(), value });
      return value;
    } catch {
      return undefined;
    }
  };
  const payouts = `WorkflowType = "${workflowType}"`;
  new Gauge({
    name: 'payouts_waiting',
    help: 'Running payouts by the step they wait in (Temporal visibility, PayoutStep)',
    labelNames: ['step'],
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await Promise.all(
        WAITING_STEPS.map((step) =>
          countCached(`${payouts} AND ExecutionStatus = "Running" AND PayoutStep = "${step}"`),
        ),
      );
      WAITING_STEPS.forEach((step, i) => {
        if (counts[i] !== undefined) this.set({ step }, counts[i]);
      });
    },
  });
  new Gauge({
    name: 'payouts_needing_operator',
    help: 'Payouts an operator must look at (Temporal visibility): ended unknown, or returned after success',
    labelNames: ['reason'],
    registers: [registry],
    async collect() {
      this.reset();
      const [unknown, returned] = await Promise.all([
        countCached(`${payouts} AND PayoutStatus = "unknown"`),
        countCached('PayoutReturned = true'),
      ]);
      if (unknown !== undefined) this.set({ reason: 'unknown' }, unknown);
      if (returned !== undefined) this.set({ reason: 'returned' }, returned);
    },
  });
}

/** The wallet balance each `wallet/balance` read saw (minor units), by currency: the worker's gauge. */
export function walletBalanceRecorder(
  meter: MetricMeter,
): (b: { amount?: number; currency: string }) => void {
  const gauge = meter.createGauge(
    'bank131_wallet_balance',
    'int',
    'minor units',
    'Bank 131 wallet balance at the last read, by currency',
  );
  return (b) => {
    if (b.amount !== undefined) gauge.set(b.amount, { currency: b.currency.toLowerCase() });
  };
}
