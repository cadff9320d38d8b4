import express from 'express';
import { describe, expect, it } from 'vitest';
import { createMetrics, metricsHandler, startMetricsServer } from '../../observability/metrics';

describe('createMetrics', () => {
  it('shows a recorded Bank 131 call in the worker exposition, with its latency histogram', async () => {
    const metrics = createMetrics('worker');
    metrics.recordBankCall({ endpoint: 'session/init/payout', outcome: 'ok', durationMs: 180 });
    metrics.recordBankCall({ endpoint: 'session/init/payout', outcome: 'ok', durationMs: 40 });
    metrics.recordBankCall({ endpoint: 'session/confirm', outcome: 'transport_error', durationMs: 30_000 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('bank131_requests_total{endpoint="session/init/payout",outcome="ok"} 2');
    expect(text).toContain('bank131_requests_total{endpoint="session/confirm",outcome="transport_error"} 1');
    expect(text).toContain(
      'bank131_request_duration_seconds_bucket{le="0.05",endpoint="session/init/payout",outcome="ok"} 1',
    );
    expect(text).toContain(
      'bank131_request_duration_seconds_sum{endpoint="session/init/payout",outcome="ok"} 0.22',
    );
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).not.toContain('webhooks_total');
  });

  it('counts payouts and policy decisions for the worker', async () => {
    const metrics = createMetrics('worker');
    expect(await metrics.registry.metrics()).toMatch(/^payouts_started_total 0$/m);
    metrics.recordPayoutStarted();
    metrics.recordPayoutFinished('succeeded');
    metrics.recordPolicyDecision('await_approval');
    metrics.recordPolicyDecision('await_approval');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^payouts_started_total 1$/m);
    expect(text).toContain('payouts_finished_total{outcome="succeeded"} 1');
    expect(text).toContain('policy_decisions_total{action="await_approval"} 2');
  });

  it('shows a recorded webhook in the gateway exposition and bounds label values from outside', async () => {
    const metrics = createMetrics('gateway');
    metrics.recordWebhook({ type: 'ready_to_confirm', status: 200, outcome: 'signalled', durationMs: 12 });
    metrics.recordWebhook({ type: 'x"} 1\nevil', status: 400, outcome: 'bad json!', durationMs: 1 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('webhooks_total{type="ready_to_confirm",status="200",outcome="signalled"} 1');
    expect(text).toContain('webhooks_total{type="other",status="400",outcome="other"} 1');
    expect(text).toContain('webhook_duration_seconds_count{outcome="signalled"} 1');
    expect(text).not.toContain('evil');
    expect(text).not.toContain('bank131_requests_total');
  });

  it('gives every call its own registry', async () => {
    const a = createMetrics('worker');
    const b = createMetrics('worker');
    a.recordPayoutStarted();
    expect(await b.registry.metrics()).toMatch(/^payouts_started_total 0$/m);
  });
});

describe('serving /metrics', () => {
  it('startMetricsServer serves the registry at /metrics and nothing else', async () => {
    const metrics = createMetrics('worker');
    metrics.recordBankCall({ endpoint: 'payout/status', outcome: 'business_error', durationMs: 5 });
    const server = await startMetricsServer(metrics.registry, '127.0.0.1', 0);
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      expect(await res.text()).toContain(
        'bank131_requests_total{endpoint="payout/status",outcome="business_error"} 1',
      );
      expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it('metricsHandler serves the registry from an express app', async () => {
    const metrics = createMetrics('gateway');
    metrics.recordWebhook({ type: 'payment_finished', status: 200, outcome: 'signalled', durationMs: 3 });
    const app = express();
    app.get('/metrics', metricsHandler(metrics.registry));
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    try {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(
        'webhooks_total{type="payment_finished",status="200",outcome="signalled"} 1',
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
