/**
 * Same shape as a successful payout for Temporal: one local activity (settings), four activities (claim the
 * payout ID in the registry, tokenize, init, confirm), two signals, two timers.
 */
import {
  condition,
  defineSignal,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { BaselineActivities } from './activities';

const ready = defineSignal('ready');
const finished = defineSignal('finished');
const acts = proxyActivities<BaselineActivities>({
  startToCloseTimeout: '45s',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});
const local = proxyLocalActivities<BaselineActivities>({ startToCloseTimeout: '10s' });

export interface BaselineInput {
  /** How long the "bank" takes to signal after init and confirm (--bank-delay, or the history phase's). */
  bankDelayMs?: number;
}

export async function baselineWorkflow({ bankDelayMs = 0 }: BaselineInput = {}): Promise<string> {
  let isReady = false;
  let isFinished = false;
  setHandler(ready, () => void (isReady = true));
  setHandler(finished, () => void (isFinished = true));
  const { timeoutMs } = await local.loadSettings();
  await acts.claim();
  await acts.tokenize();
  await acts.init(bankDelayMs);
  await condition(() => isReady, timeoutMs);
  await acts.confirm(bankDelayMs);
  await condition(() => isFinished, timeoutMs);
  return 'succeeded';
}
