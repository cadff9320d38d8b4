/**
 * The dashboard and the alert rules ask only for metrics our processes really export: a worker and a
 * gateway run as their own processes (as deployed) against the dev server and the simulator, move payouts
 * (success, a return, a refused signature, an inbox webhook), and their /metrics endpoints are scraped.
 * The rules are checked with `promtool check rules` when it is installed, and parsed either way.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { LocalStack } from '../../harness/local-stack';
import { payoutWorkflowId } from '../../policy/payout-request';
import { accountRequest, uniquePayoutId, waitFor } from '../helpers/stack';
import { startObservedStack, type ObservedStack } from '../helpers/observed-stack';
import { postWebhook, refundedWebhook, signed } from '../helpers/webhooks';
import { metricNamesIn, scrapedMetricNames } from '../helpers/promql';

const root = path.resolve(__dirname, '../..');
const observabilityDir = path.join(root, 'deploy/observability');
const rulesFile = path.join(observabilityDir, 'prometheus/alerts.yml');
const dashboardsDir = path.join(observabilityDir, 'grafana/dashboards');

let observed: ObservedStack;
let stack: LocalStack;
let gatewayUrl: string;
/** The gateway's internal port: /metrics and /readyz are not on the public one. */
let gatewayInternalUrl: string;
let workerMetricsUrl: string;

beforeAll(async () => {
  observed = await startObservedStack();
  ({ stack, gatewayUrl } = observed);
  gatewayInternalUrl = `http://127.0.0.1:${observed.gatewayInternalPort}`;
  workerMetricsUrl = `http://127.0.0.1:${observed.workerMetricsPort}/metrics`;
});
afterAll(async () => {
  await observed?.stop();
});

/** PromQL expressions in every panel of every provisioned dashboard. */
function dashboardExpressions(): { where: string; expr: string }[] {
  const found: { where: string; expr: string }[] = [];
  for (const file of readdirSync(dashboardsDir).filter((f) => f.endsWith('.json'))) {
    const dashboard = JSON.parse(readFileSync(path.join(dashboardsDir, file), 'utf8')) as {
      panels: { title: string; targets?: { expr?: string }[] }[];
    };
    for (const panel of dashboard.panels)
      for (const t of panel.targets ?? [])
        if (t.expr) found.push({ where: `${file}: ${panel.title}`, expr: t.expr });
  }
  return found;
}

interface RuleGroup {
  name: string;
  rules: {
    alert?: string;
    expr: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  }[];
}

function ruleExpressions(): { where: string; expr: string }[] {
  const { groups } = parse(readFileSync(rulesFile, 'utf8')) as { groups: RuleGroup[] };
  return groups.flatMap((g) => g.rules.map((r) => ({ where: `${g.name}: ${r.alert}`, expr: r.expr })));
}

describe('dashboard and alerts against the real exporters', () => {
  it('every metric the dashboard and the rules use is exported by the worker or the gateway', async () => {
    // A payout that succeeds, then comes back (a return); a forged webhook; one nobody waits for.
    const payoutId = uniquePayoutId('observed');
    await stack.payouts.startPayout(accountRequest(payoutId));
    expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');
    const { state } = await stack.payouts.getPayout(payoutId);
    const refund = signed(
      refundedWebhook({
        sessionId: state.sessionId!,
        bankPayoutId: state.bankPayoutId!,
        metadata: payoutWorkflowId(payoutId),
        amount: state.amount,
        refundId: 'rf_observed',
      }),
      stack.keys.bank.privateKeyPem,
    );
    const webhookUrl = `${gatewayUrl}/webhooks/bank131`;
    expect((await postWebhook(webhookUrl, refund.raw, refund.signature)).status).toBe(200);
    expect((await postWebhook(webhookUrl, refund.raw, 'forged')).status).toBe(401);
    await waitFor(async () => {
      const v = await stack.payouts.getPayout(payoutId);
      return v.returned ? v : undefined;
    }, 'the return to be attached');

    const exported = await waitFor(async () => {
      const names = new Set([
        ...(await scrapedMetricNames(workerMetricsUrl)),
        ...(await scrapedMetricNames(`${gatewayInternalUrl}/metrics`)),
      ]);
      // the returns workflow's counter lands with its workflow task
      return names.has('payout_returns') ? names : undefined;
    }, 'the worker to export payout_returns');

    if (process.env.PRINT_METRICS) console.log([...exported].sort().join('\n'));
    // The visibility-backed gauges really count: the return just attached is among the returned payouts.
    await waitFor(
      async () => {
        const text = await (await fetch(`${gatewayInternalUrl}/metrics`)).text();
        const returned = /^payouts_needing_operator\{reason="returned"\} (\d+)/m.exec(text);
        const waiting = /^payouts_waiting\{step="awaiting_ready"\} \d+/m.test(text);
        return returned && Number(returned[1]) >= 1 && waiting ? true : undefined;
      },
      'the gateway to count the returned payout in visibility',
      40_000,
    );

    const used = [...dashboardExpressions(), ...ruleExpressions()];
    expect(used.length).toBeGreaterThan(10);
    const missing = used.flatMap(({ where, expr }) =>
      metricNamesIn(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
  });
});

describe('alert rules', () => {
  it('reads metric names out of PromQL (the check above relies on it)', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.95, sum by (le, endpoint) (rate(bank131_request_duration_bucket{outcome!="ok"}[$__rate_interval])))',
      ),
    ).toEqual(['bank131_request_duration_bucket']);
    expect(
      metricNamesIn('sum(rate(a_total{x=~"y|z"}[5m])) / sum(rate(b[5m])) > 0.1 and on (job) max(c) > 1e3'),
    ).toEqual(['a_total', 'b', 'c']);
  });

  it('pass promtool, or at least parse with an expression, a severity and a summary each', () => {
    let promtool = true;
    try {
      execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    } catch {
      promtool = false;
    }
    if (promtool) execFileSync('promtool', ['check', 'rules', rulesFile], { stdio: 'pipe' });
    const { groups } = parse(readFileSync(rulesFile, 'utf8')) as { groups: RuleGroup[] };
    const alerts = groups.flatMap((g) => g.rules);
    expect(alerts.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'PayoutUnknown',
        'PayoutReturned',
        'WebhookSignatureFailures',
        'WebhookInboxGrowing',
        'Bank131ErrorRate',
      ]),
    );
    for (const rule of alerts) {
      expect(metricNamesIn(rule.expr).length, rule.alert).toBeGreaterThan(0);
      expect(rule.labels?.severity, rule.alert).toMatch(/^(page|ticket)$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
    }
  });
});
