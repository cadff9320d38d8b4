/**
 * The WORKER_* tuning variables change what a worker process really does, read where the SDK's core reports
 * it: its own metrics endpoint (open polls, free task slots; the cache's bound has no metric). SDK 1.24 still documents `maxConcurrentWorkflowTaskPolls` and
 * `maxConcurrentActivityTaskPolls` but reads them nowhere, so a mapping to those options passed every unit
 * test and left the pollers at the SDK's 10 + 10.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnWorker, type ChildService } from '../../harness/child-services';
import { freePort } from '../../harness/dev-server';
import type { LocalStack } from '../../harness/local-stack';
import { startTestStack, waitFor } from '../helpers/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({ withoutWorker: true, withoutGateway: true });
});
afterAll(async () => {
  await stack?.stop();
});

/** Open polls by kind, from `temporal_num_pollers` (sticky and normal workflow polls added up). */
async function openPolls(metricsUrl: string): Promise<{ workflow: number; activity: number } | undefined> {
  const text = await (await fetch(metricsUrl)).text();
  const polls = { workflow: 0, activity: 0 };
  let seen = false;
  for (const [, labels = '', value] of text.matchAll(/^temporal_num_pollers\{([^}]*)\} (\d+)/gm)) {
    const type = /poller_type="([^"]+)"/.exec(labels)?.[1];
    seen = true;
    if (type === 'activity_task') polls.activity += Number(value);
    else if (type?.endsWith('workflow_task')) polls.workflow += Number(value);
  }
  return seen ? polls : undefined;
}

/** The most polls a worker on an idle queue keeps open, watched until they have settled. */
async function settledPolls(metricsUrl: string): Promise<{ workflow: number; activity: number }> {
  const most = { workflow: 0, activity: 0 };
  let unchangedSince = Date.now();
  await waitFor(async () => {
    const now = await openPolls(metricsUrl);
    if (!now) return undefined;
    if (now.workflow > most.workflow || now.activity > most.activity) {
      most.workflow = Math.max(most.workflow, now.workflow);
      most.activity = Math.max(most.activity, now.activity);
      unchangedSince = Date.now();
    }
    return most.workflow > 0 && most.activity > 0 && Date.now() - unchangedSince > 2_000 ? most : undefined;
  }, 'the worker to open its polls');
  return most;
}

/** Free task slots by worker type, from `temporal_worker_task_slots_available`: on an idle worker, all of them. */
async function freeSlots(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const slots: Record<string, number> = {};
  for (const [, labels = '', value] of text.matchAll(
    /^temporal_worker_task_slots_available\{([^}]*)\} (\d+)/gm,
  )) {
    const type = /worker_type="([^"]+)"/.exec(labels)?.[1];
    if (type) slots[type] = Number(value);
  }
  return slots;
}

/** A worker process with `env` on an idle task queue: its polls once settled, and its free slots. */
async function idleWorker(env: NodeJS.ProcessEnv) {
  const port = await freePort();
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  let worker: ChildService | undefined;
  try {
    worker = await spawnWorker(stack, inject('workflowBundlePath'), {
      ...env,
      WORKER_METRICS_PORT: String(port),
    });
    const polls = await settledPolls(metricsUrl);
    return { polls, slots: await freeSlots(metricsUrl) };
  } finally {
    await worker?.stop();
  }
}

describe('worker tuning, as the running worker sees it', () => {
  it('WORKER_WORKFLOW_POLLERS and WORKER_ACTIVITY_POLLERS bound the polls a worker keeps open', async () => {
    const tuned = await idleWorker({ WORKER_WORKFLOW_POLLERS: '2', WORKER_ACTIVITY_POLLERS: '3' });
    expect(tuned.polls).toEqual({ workflow: 2, activity: 3 });
    // The same probe sees the SDK's default, so the bound above is the variables' doing.
    const untuned = await idleWorker({});
    expect(untuned.polls.workflow).toBeGreaterThan(2);
    expect(untuned.polls.activity).toBeGreaterThan(3);
  }, 90_000);

  it('the WORKER_MAX_CONCURRENT_* variables size the task slots', async () => {
    const { slots } = await idleWorker({
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '7',
      WORKER_MAX_CONCURRENT_ACTIVITIES: '9',
      WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: '11',
    });
    expect(slots).toEqual({ WorkflowWorker: 7, ActivityWorker: 9, LocalActivityWorker: 11 });
  }, 60_000);
});
