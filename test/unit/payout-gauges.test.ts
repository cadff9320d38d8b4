/** The gateway's visibility-backed gauges: one count per waiting step, cached, and absent rather than wrong. */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerPayoutGauges, WAITING_STEPS } from '../../observability/metrics';

function gaugesOver(count: (query: string) => Promise<number>) {
  const registry = new Registry();
  registerPayoutGauges(registry, count, 'payoutWorkflow');
  return registry;
}

describe('payout gauges', () => {
  it('counts running payouts per waiting step and the ones an operator must see', async () => {
    const queries: string[] = [];
    const registry = gaugesOver((query) => {
      queries.push(query);
      return Promise.resolve(query.includes('awaiting_approval') ? 3 : query.includes('unknown') ? 2 : 0);
    });
    const text = await registry.metrics();
    expect(text).toContain('payouts_waiting{step="awaiting_approval"} 3');
    expect(text).toContain('payouts_waiting{step="awaiting_ready"} 0');
    expect(text).toContain('payouts_needing_operator{reason="unknown"} 2');
    expect(text).toContain('payouts_needing_operator{reason="returned"} 0');
    expect(queries).toContain(
      'WorkflowType = "payoutWorkflow" AND ExecutionStatus = "Running" AND PayoutStep = "awaiting_approval"',
    );
    expect(queries).toContain('WorkflowType = "payoutWorkflow" AND PayoutStatus = "unknown"');
    expect(queries).toContain('PayoutReturned = true');
    expect(queries).toHaveLength(WAITING_STEPS.length + 2);

    // A second scrape within the cache period asks Temporal nothing.
    await registry.metrics();
    expect(queries).toHaveLength(WAITING_STEPS.length + 2);
  });

  it('leaves a series out when Temporal does not answer, instead of reporting zero', async () => {
    const registry = gaugesOver((query) =>
      query.includes('PayoutReturned') ? Promise.reject(new Error('deadline exceeded')) : Promise.resolve(1),
    );
    const text = await registry.metrics();
    expect(text).toContain('payouts_needing_operator{reason="unknown"} 1');
    expect(text).not.toContain('reason="returned"');
  });

  it('registers once per registry', () => {
    const registry = gaugesOver(() => Promise.resolve(0));
    expect(() => registerPayoutGauges(registry, () => Promise.resolve(0), 'payoutWorkflow')).not.toThrow();
  });
});
