/**
 * The WORKER_* tuning variables change what a worker process really does, read where the SDK's core reports
 * it: its own metrics endpoint (open polls, free task slots; the cache's bound has no metric). SDK 1.24 still
 * documents `maxConcurrentWorkflowTaskPolls` and `maxConcurrentActivityTaskPolls` but reads them nowhere, so a
 * mapping to those options passed every unit test and left the pollers at the SDK's 10 + 10.
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

/** One metric's samples on a Prometheus endpoint, added up by the value of one of their labels. */
async function byLabel(metricsUrl: string, metric: string, label: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const sums: Record<string, number> = {};
  for (const [, labels = '', value] of text.matchAll(new RegExp(`^${metric}\\{([^}]*)\\} (\\d+)`, 'gm'))) {
    const key = new RegExp(`${label}="([^"]+)"`).exec(labels)?.[1];
    if (key) sums[key] = (sums[key] ?? 0) + Number(value);
  }
  return sums;
}

/** Open polls by kind, from `temporal_num_pollers` (sticky and normal workflow polls added up). */
async function openPolls(metricsUrl: string): Promise<{ workflow: number; activity: number } | undefined> {
  const polls = await byLabel(metricsUrl, 'temporal_num_pollers', 'poller_type');
  if (Object.keys(polls).length === 0) return undefined;
  return {
    workflow: (polls.workflow_task ?? 0) + (polls.sticky_workflow_task ?? 0),
    activity: polls.activity_task ?? 0,
  };
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
    // On an idle worker every slot is free: the sizes the variables set.
    const slots = await byLabel(metricsUrl, 'temporal_worker_task_slots_available', 'worker_type');
    return { polls, slots };
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
