import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { PayoutActivities } from '../activities/types';
import { dataConverterFor } from '../codec/data-converter';
import { workflowsEntryPath } from './workflows-entry';

export interface PayoutWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: PayoutActivities;
  codecKeys: string;
  /** A bundle from scripts/build-workflow-bundle.ts: starts in milliseconds instead of bundling at start. */
  workflowBundlePath?: string;
  tuning?: Pick<
    WorkerOptions,
    | 'maxCachedWorkflows'
    | 'maxConcurrentActivityTaskExecutions'
    | 'maxConcurrentWorkflowTaskExecutions'
    | 'maxConcurrentLocalActivityExecutions'
    | 'maxConcurrentWorkflowTaskPolls'
    | 'maxConcurrentActivityTaskPolls'
    | 'shutdownGraceTime'
  >;
}

/** One worker type runs both workflows (payouts and the webhook inbox) and the Bank 131 activities. */
export function createPayoutWorker(opts: PayoutWorkerOptions): Promise<Worker> {
  const workflows = opts.workflowBundlePath
    ? { workflowBundle: { codePath: opts.workflowBundlePath } }
    : { workflowsPath: workflowsEntryPath() };
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    dataConverter: dataConverterFor(opts.codecKeys),
    shutdownGraceTime: '10s',
    ...workflows,
    ...opts.tuning,
  });
}
