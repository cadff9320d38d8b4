/**
 * The engine's ceiling: activities that do nothing but what the payout's must do in Temporal terms. `init`
 * and `confirm` have the "bank" send their signal, straight through the Temporal client.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';

/**
 * `init` and `confirm` take how long the "bank" waits before its signal: 0 (the benchmark's simulator) unless
 * the run says otherwise, as a payout's scenario can make the simulator slower for that payout alone.
 */
export function createBaselineActivities(client: Client) {
  const signalLater = (name: string, delayMs: number) => {
    const workflowId = Context.current().info.workflowExecution?.workflowId;
    if (!workflowId) throw new Error('baseline activities run only inside workflows');
    setTimeout(
      () =>
        void client.workflow
          .getHandle(workflowId)
          .signal(name)
          .catch(() => undefined),
      delayMs,
    );
  };
  return {
    loadSettings: () => Promise.resolve({ timeoutMs: 30 * 60_000 }),
    claim: () => Promise.resolve('claimed'),
    tokenize: () => Promise.resolve('token'),
    tokenInfo: () => Promise.resolve('masked'),
    init: (bankDelayMs: number) => {
      signalLater('ready', bankDelayMs);
      return Promise.resolve('session');
    },
    confirm: (bankDelayMs: number) => {
      signalLater('finished', bankDelayMs);
      return Promise.resolve('confirmed');
    },
  };
}
export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
