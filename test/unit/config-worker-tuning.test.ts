import { describe, expect, it } from 'vitest';
import { loadWorkerTuning, workerTuningEnv } from '../../config/worker';

describe('worker tuning', () => {
  it('unset variables leave the SDK defaults; set ones become worker options', () => {
    expect(loadWorkerTuning({})).toEqual({});
    expect(loadWorkerTuning({ WORKER_MAX_CACHED_WORKFLOWS: '500', WORKER_WORKFLOW_POLLERS: '2' })).toEqual({
      maxCachedWorkflows: 500,
      // the SDK's poller behaviour, which it reads (its maxConcurrentWorkflowTaskPolls it does not)
      workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 2 },
    });
  });

  it('refuses one workflow poller: the worker needs one for its sticky queue and one for the shared queue', () => {
    expect(() => loadWorkerTuning({ WORKER_WORKFLOW_POLLERS: '1' })).toThrow(
      /WORKER_WORKFLOW_POLLERS.*at least 2/,
    );
    expect(loadWorkerTuning({ WORKER_ACTIVITY_POLLERS: '1' })).toEqual({
      activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 1 },
    });
  });

  it('refuses a value that is not a positive integer, naming the variable', () => {
    expect(() => loadWorkerTuning({ WORKER_MAX_CONCURRENT_ACTIVITIES: '0' })).toThrow(
      /WORKER_MAX_CONCURRENT_ACTIVITIES/,
    );
  });

  it('the same variables can be handed to another worker (the benchmark baseline)', () => {
    expect(workerTuningEnv({ WORKER_ACTIVITY_POLLERS: '3', PATH: '/bin' })).toEqual({
      WORKER_ACTIVITY_POLLERS: '3',
    });
  });
});
