import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { PayoutActivities } from '../activities/types';
import { dataConverterFor } from '../codec/data-converter';
import { NO_TRACING, WORKFLOW_TRACING_INTERCEPTORS, type Tracing } from '../observability/tracing';
import { workflowsEntryPath } from './workflows-entry';

export interface PayoutWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: PayoutActivities;
  codecKeys: string;
  /** A bundle from scripts/build-workflow-bundle.ts: starts in milliseconds instead of bundling at start. */
  workflowBundlePath?: string;
  /** Activity spans and the workflow spans' sink; off when omitted. */
  tracing?: Tracing;
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
  const tracing = opts.tracing ?? NO_TRACING;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    // A prebuilt bundle already carries the workflow interceptor (workflowBundleSources); else bundle it now.
    interceptors: {
      ...tracing.workerInterceptors,
      ...(opts.workflowBundlePath ? {} : { workflowModules: [WORKFLOW_TRACING_INTERCEPTORS] }),
    },
    sinks: tracing.sinks,
    dataConverter: dataConverterFor(opts.codecKeys),
    shutdownGraceTime: '10s',
    ...workflows,
    ...opts.tuning,
  });
}
