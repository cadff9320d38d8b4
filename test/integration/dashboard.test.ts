/**
 * The provisioned dashboard shows data, not only names that exist: a real Prometheus (Debian's) scrapes a real
 * worker and gateway process with the deployed config and alert rules, payouts move (successes, a bank 503, one
 * that ends unknown, a return, a forged and an unexpected webhook), and then every query of every panel, with
 * Grafana's variables substituted, must return series with values. The alert rules must be loaded and the
 * unknown and return alerts must fire. Then Chromium screenshots our rendering of the dashboard
 * (harness/grafana-dashboard.ts, not Grafana: Grafana cannot run here) to test-results/; docs/images/dashboard.png
 * is a copy of it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadDashboard,
  queryDashboard,
  renderDashboardHtml,
  type PanelResult,
  type QueryWindow,
} from '../../harness/grafana-dashboard';
import type { LocalStack } from '../../harness/local-stack';
import { prometheusBinary, startPrometheus, type PrometheusHandle } from '../../harness/prometheus';
import { payoutWorkflowId } from '../../policy/payout-request';
import { launchChromium, TEST_RESULTS } from '../helpers/browser';
import { startObservedStack, type ObservedStack } from '../helpers/observed-stack';
import { accountRequest, uniquePayoutId, waitFor } from '../helpers/stack';
import { postWebhook, readyWebhook, refundedWebhook, signed } from '../helpers/webhooks';

const SCRAPE_SECONDS = 1;
const DASHBOARD_WIDTH_PX = 1200;
const PROMETHEUS = process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus';
const missingPrometheus = !prometheusBinary();
if (missingPrometheus && !process.env.CI) {
  console.warn(
    `\n!!! SKIPPING test/integration/dashboard.test.ts: no Prometheus at ${PROMETHEUS} (apt-get install prometheus, or set PROMETHEUS_PATH). CI fails here instead.\n`,
  );
}

let observed: ObservedStack | undefined;
let stack: LocalStack;
let prometheus: PrometheusHandle | undefined;
let browser: Browser | undefined;
let gatewayUrl: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function instant(
  query: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${prometheus!.url}/api/v1/query?${new URLSearchParams({ query }).toString()}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: never[] } };
  if (body.status !== 'success') throw new Error(`${query}: ${body.error}`);
  return body.data.result;
}

/** Panels whose every query has series, and at least one finite value among them; the rest, said why. */
function panelsWithoutData(results: PanelResult[]): string[] {
  return results.flatMap(({ panel, targets }) =>
    targets.flatMap((t) => {
      const where = `${panel.title} [${t.refId}] ${t.query}`;
      if (t.error) return [`${where}: ${t.error}`];
      if (t.series.length === 0) return [`${where}: no series`];
      const finite = t.series.some((s) => s.points.some(([, v]) => Number.isFinite(v)));
      return finite ? [] : [`${where}: only NaN`];
    }),
  );
}

describe.skipIf(missingPrometheus && !process.env.CI)(
  'the provisioned dashboard on a real Prometheus',
  () => {
    beforeAll(async () => {
      if (missingPrometheus)
        throw new Error(`no Prometheus at ${PROMETHEUS}: CI must install it (apt-get install prometheus)`);
      browser = await launchChromium();
      observed = await startObservedStack();
      ({ stack, gatewayUrl } = observed);
      prometheus = await startPrometheus({
        targets: {
          'payout-worker': [`127.0.0.1:${observed.workerMetricsPort}`],
          'webhook-gateway': [`127.0.0.1:${observed.gatewayInternalPort}`],
        },
        scrapeIntervalSeconds: SCRAPE_SECONDS,
      });
      await waitFor(async () => {
        const up = await instant('up');
        return up.length === 2 && up.every((s) => s.value[1] === '1') ? true : undefined;
      }, 'Prometheus to scrape both processes');
    });

    afterAll(async () => {
      await browser?.close();
      await prometheus?.stop();
      await observed?.stop();
    });

    it('every panel shows data, the alerts fire, and the page is screenshotted', async () => {
      const fromMs = Date.now() - 5_000;
      // Payouts one after another, a few scrapes apart, so rates and latency quantiles have two samples to compare.
      const succeeded: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        const payoutId = uniquePayoutId('dash');
        // A bank 503 in two of them (retried): the second shows in the failed-calls rate (the first creates the series).
        if (i > 0) stack.simulator.injectFault({ endpoint: '*', kind: 'http_503', times: 1 });
        await stack.payouts.startPayout(accountRequest(payoutId));
        expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');
        succeeded.push(payoutId);
        await sleep(2_500);
      }
      const lost = uniquePayoutId('dash-unknown');
      stack.simulator.setScenario(payoutWorkflowId(lost), 'session_error_after_confirm');
      await stack.payouts.startPayout(accountRequest(lost));
      expect((await stack.payouts.result(lost)).outcome).toBe('unknown');

      // The first payout comes back; a forged webhook; a signed one for a session nobody waits for.
      const { state } = await stack.payouts.getPayout(succeeded[0]!);
      const refund = signed(
        refundedWebhook({
          sessionId: state.sessionId!,
          bankPayoutId: state.bankPayoutId!,
          metadata: payoutWorkflowId(succeeded[0]!),
          amount: state.amount,
          refundId: 'rf_dashboard',
        }),
        stack.keys.bank.privateKeyPem,
      );
      const webhookUrl = `${gatewayUrl}/webhooks/bank131`;
      expect((await postWebhook(webhookUrl, refund.raw, refund.signature)).status).toBe(200);
      expect((await postWebhook(webhookUrl, refund.raw, 'forged')).status).toBe(401);
      const stray = signed(readyWebhook('ps_nobody_waits'), stack.keys.bank.privateKeyPem);
      expect((await postWebhook(webhookUrl, stray.raw, stray.signature)).status).toBe(200);
      await waitFor(async () => {
        const v = await stack.payouts.getPayout(succeeded[0]!);
        return v.returned ? v : undefined;
      }, 'the return to be attached');

      // Prometheus has seen the return and the unknown payout: the worker's counters, and the gateway's counts in
      // visibility (cached 15 s; the namespace is shared with other test files, so these may count theirs too).
      await waitFor(
        async () => {
          const seen = await Promise.all(
            [
              'max(payouts_needing_operator{reason="returned"}) >= 1',
              'max(payouts_needing_operator{reason="unknown"}) >= 1',
              'sum(payout_returns) >= 1',
              'sum(payouts_finished{outcome="unknown"}) >= 1',
            ].map(instant),
          );
          return seen.every((r) => r.length > 0) ? true : undefined;
        },
        'Prometheus to scrape the returned and the unknown payout',
        45_000,
      );
      await sleep(3 * SCRAPE_SECONDS * 1000);
      const window: QueryWindow = {
        fromMs,
        toMs: Date.now(),
        scrapeIntervalSeconds: SCRAPE_SECONDS,
        dashboardWidthPx: DASHBOARD_WIDTH_PX,
      };

      const dashboard = loadDashboard();
      const results = await queryDashboard(prometheus!.url, dashboard, window);
      expect(results.length).toBeGreaterThan(10);
      expect(panelsWithoutData(results)).toEqual([]);
      // The stat panels count what happened: one unknown payout, one return (not 0 because the counter was new).
      const stat = (title: string) => {
        const found = results.find((r) => r.panel.title === title);
        if (!found) throw new Error(`no panel "${title}" in the dashboard`);
        return Object.fromEntries(
          found.targets.flatMap((t) => t.series.map((s) => [s.legend, Math.round(s.points.at(-1)![1])])),
        );
      };
      // All time: counted in the (shared) namespace's visibility, so at least ours.
      expect(stat('Ended unknown (all time)').unknown).toBeGreaterThanOrEqual(1);
      expect(stat('Returned (all time)').returned).toBeGreaterThanOrEqual(1);
      // The last 24 h: this worker's counters, so exactly ours.
      expect(stat('Unknown / returns, last 24 h')).toEqual({ unknown: 1, returns: 1 });

      // The rules are loaded and healthy, and what an operator must act on fires (evaluated every second).
      type Rules = {
        data: { groups: { name: string; rules: { name: string; state: string; health: string }[] }[] };
      };
      const rules = async () =>
        ((await (await fetch(`${prometheus!.url}/api/v1/rules`)).json()) as Rules).data.groups;
      expect((await rules()).map((g) => g.name).sort()).toEqual(['bank131', 'payouts', 'webhooks']);
      const states = async () => {
        const all = (await rules()).flatMap((g) => g.rules);
        expect(all.filter((r) => r.health !== 'ok').map((r) => r.name)).toEqual([]);
        return Object.fromEntries(all.map((r) => [r.name, r.state]));
      };
      await expect
        .poll(states, { timeout: 10_000 })
        .toMatchObject({ PayoutUnknown: 'firing', PayoutReturned: 'firing' });

      const html = renderDashboardHtml(dashboard, results, { ...window, prometheusUrl: prometheus!.url });
      mkdirSync(TEST_RESULTS, { recursive: true });
      writeFileSync(path.join(TEST_RESULTS, 'dashboard.html'), html);
      // Scaled down as the README shows it anyway (about 900 px wide): the PNG stays small enough to commit.
      const page = await browser!.newPage({
        viewport: { width: DASHBOARD_WIDTH_PX + 32, height: 900 },
        deviceScaleFactor: 0.7,
      });
      await page.setContent(html, { waitUntil: 'load' });
      expect(await page.locator('.panel').count()).toBe(results.length);
      await expect.poll(() => page.getByText('No data').count()).toBe(0);
      // The README's picture (docs/images/dashboard.png is a copy): the whole dashboard.
      await page.screenshot({ path: path.join(TEST_RESULTS, 'dashboard-readme.png'), fullPage: true });
      await page.close();
    }, 180_000); // payouts a few scrapes apart, an unknown one, and the gateway's 15 s visibility cache
  },
);
