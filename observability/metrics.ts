/**
 * Prometheus metrics for our processes.
 *
 * `createMetrics(service)` builds a prom-client registry per process: payouts, policy decisions and Bank 131
 * calls for the worker, webhooks for the gateway, plus Node's default process metrics. The gateway serves it
 * with `metricsHandler`; a process without an HTTP app can use `startMetricsServer`.
 *
 * Counting from inside workflow code is different: prom-client cannot run in the workflow sandbox and would
 * count again on every replay, so the payout workflow counts through Temporal's runtime meter instead
 * (`bank131CallRecorder` puts Bank 131 calls on that same meter), which the worker's Runtime exports.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricMeter } from '@temporalio/common';
import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Bank131CallEvent } from '../bank131/client';

export type MetricsService = 'worker' | 'gateway';

export interface BankCallEvent {
  endpoint: string;
  outcome: 'ok' | 'business_error' | 'transport_error';
  durationMs: number;
}

export interface WebhookEvent {
  type: string;
  status: number;
  outcome: string;
  durationMs: number;
}

export interface WorkerMetrics {
  readonly service: 'worker';
  readonly registry: Registry;
  recordPayoutStarted(): void;
  recordPayoutFinished(outcome: string): void;
  recordPolicyDecision(action: string): void;
  /** Fits `Bank131ClientOptions.onCall`. */
  recordBankCall(e: BankCallEvent): void;
}

export interface GatewayMetrics {
  registry: Registry;
  recordWebhook(e: WebhookEvent): void;
}

const SECONDS_FAST = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const SECONDS_BANK = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Label values partly come from outside (webhook types) or from error paths; an unbounded value would make a
 * new time series per value, so anything unexpected is counted as `other`.
 */
function boundedLabel(value: string, pattern = /^[A-Za-z0-9_./-]{1,64}$/): string {
  return pattern.test(value) ? value : 'other';
}

function newRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

function createWorkerMetrics(): WorkerMetrics {
  const registry = newRegistry();
  const registers = [registry];
  const started = new Counter({
    name: 'payouts_started_total',
    help: 'Payout workflows started',
    registers,
  });
  const finished = new Counter({
    name: 'payouts_finished_total',
    help: 'Payouts finished, by outcome',
    labelNames: ['outcome'],
    registers,
  });
  const decisions = new Counter({
    name: 'policy_decisions_total',
    help: 'Payout policy decisions, by action',
    labelNames: ['action'],
    registers,
  });
  const bankRequests = new Counter({
    name: 'bank131_requests_total',
    help: 'Bank 131 API calls, by endpoint and outcome',
    labelNames: ['endpoint', 'outcome'],
    registers,
  });
  const bankDuration = new Histogram({
    name: 'bank131_request_duration_seconds',
    help: 'Bank 131 API call latency, by endpoint and outcome',
    labelNames: ['endpoint', 'outcome'],
    buckets: SECONDS_BANK,
    registers,
  });
  return {
    service: 'worker',
    registry,
    recordPayoutStarted: () => started.inc(),
    recordPayoutFinished: (outcome) => finished.inc({ outcome: boundedLabel(outcome) }),
    recordPolicyDecision: (action) => decisions.inc({ action: boundedLabel(action) }),
    recordBankCall: (e) => {
      const labels = { endpoint: boundedLabel(e.endpoint), outcome: e.outcome };
      bankRequests.inc(labels);
      bankDuration.observe(labels, e.durationMs / 1000);
    },
  };
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = newRegistry();
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
    buckets: SECONDS_FAST,
    registers: [registry],
  });
  return {
    registry,
    recordWebhook: (e) => {
      const type = boundedLabel(e.type, /^[a-z_]{1,40}$/);
      const outcome = boundedLabel(e.outcome);
      webhooks.inc({ type, status: String(e.status), outcome });
      duration.observe({ outcome }, e.durationMs / 1000);
    },
  };
}

/** A fresh registry (never prom-client's global one) with the metrics of one of our processes. */
export function createMetrics(service: 'worker'): WorkerMetrics;
export function createMetrics(service: 'gateway'): GatewayMetrics;
export function createMetrics(service: MetricsService): WorkerMetrics | GatewayMetrics;
export function createMetrics(service: MetricsService): WorkerMetrics | GatewayMetrics {
  return service === 'worker' ? createWorkerMetrics() : createGatewayMetrics();
}

/** Express handler for `GET /metrics`. */
export function metricsHandler(registry: Registry): RequestHandler {
  return (_req, res, next) => {
    registry.metrics().then((text) => {
      res.type(registry.contentType).send(text);
    }, next);
  };
}

export interface RunningMetricsServer {
  url: string;
  port: number;
  close: () => Promise<void>;
}

/** A bare `GET /metrics` endpoint for a process with no HTTP app of its own. */
export async function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
): Promise<RunningMetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        res
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`metrics collection failed: ${String(err)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shown.includes(':') ? `[${shown}]` : shown}:${bound}/metrics`,
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
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
