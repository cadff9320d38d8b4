/**
 * The engine's ceiling: activities that do nothing but what the payout's must do in Temporal terms. `init`
 * and `confirm` have the "bank" send their signal, straight through the Temporal client.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';

/** `signalDelayMs`: how long the "bank" takes to send its signal; 0 (the benchmark's simulator) by default. */
export function createBaselineActivities(client: Client, signalDelayMs = 0) {
  const signalLater = (name: string) => {
    const workflowId = Context.current().info.workflowExecution?.workflowId;
    if (!workflowId) throw new Error('baseline activities run only inside workflows');
    setTimeout(
      () =>
        void client.workflow
          .getHandle(workflowId)
          .signal(name)
          .catch(() => undefined),
      signalDelayMs,
    );
  };
  return {
    loadSettings: () => Promise.resolve({ timeoutMs: 30 * 60_000 }),
    claim: () => Promise.resolve('claimed'),
    tokenize: () => Promise.resolve('token'),
    tokenInfo: () => Promise.resolve('masked'),
    init: () => {
      signalLater('ready');
      return Promise.resolve('session');
    },
    confirm: () => {
      signalLater('finished');
      return Promise.resolve('confirmed');
    },
  };
}
export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
