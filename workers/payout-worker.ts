import { existsSync } from 'node:fs';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { PayoutActivities } from '../activities/types';
import { dataConverterFor } from '../codec/data-converter';
import { NO_TRACING, WORKFLOW_TRACING_INTERCEPTORS, type Tracing } from '../observability/tracing';
import { tracedBundlePath, workflowPreloadModules, workflowsEntryPath } from './workflows-entry';

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
    | 'workflowTaskPollerBehavior'
    | 'activityTaskPollerBehavior'
    | 'shutdownGraceTime'
  >;
}

/** One worker type runs both workflows (payouts and the webhook inbox) and the Bank 131 activities. */
export function createPayoutWorker(opts: PayoutWorkerOptions): Promise<Worker> {
  const tracing = opts.tracing ?? NO_TRACING;
  const bundlePath = opts.workflowBundlePath && bundleFor(opts.workflowBundlePath, tracing.enabled);
  const workflows = bundlePath
    ? { workflowBundle: { codePath: bundlePath } }
    : { workflowsPath: workflowsEntryPath(), bundlerOptions: { preloadModules: workflowPreloadModules() } };
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    // A prebuilt bundle carries its workflow interceptor or not (workflowBundleSources); else bundle it now,
    // with the tracing interceptor only when tracing is on.
    interceptors: {
      ...tracing.workerInterceptors,
      ...(bundlePath || !tracing.enabled ? {} : { workflowModules: [WORKFLOW_TRACING_INTERCEPTORS] }),
    },
    sinks: tracing.sinks,
    dataConverter: dataConverterFor(opts.codecKeys),
    shutdownGraceTime: '10s',
    ...workflows,
    ...opts.tuning,
  });
}

/**
 * With tracing on, the traced twin of a prebuilt bundle (`npm run build` writes both); without one, the plain
 * bundle, and the trace lacks the workflow's spans (activities and bank calls are still traced).
 */
function bundleFor(bundlePath: string, tracing: boolean): string {
  if (!tracing) return bundlePath;
  const traced = tracedBundlePath(bundlePath);
  if (existsSync(traced)) return traced;
  process.emitWarning(
    `tracing is on but ${traced} does not exist (npm run build writes it): workflow spans are left out`,
  );
  return bundlePath;
}
