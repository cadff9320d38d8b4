/** The benchmark's reading of the Temporal server's own counters: what the server did per run, per side. */
import { describe, expect, it } from 'vitest';
import {
  compareServerCounts,
  countsPerRun,
  meanCounts,
  parseServerCounts,
  totalOf,
} from '../../bench/server-requests';

const exposition = (signals: number, appends: number) => `# HELP service_requests service_requests counter
# TYPE service_requests counter
service_requests{namespace="default",operation="SignalWorkflowExecution",service_name="frontend"} ${signals}
service_requests{namespace="default",operation="SignalWorkflowExecution",service_name="history"} ${signals}
service_requests{namespace="other",operation="SignalWorkflowExecution",service_name="frontend"} 1
persistence_requests_total{namespace="default",operation="AppendHistoryNodes",service_name="history"} ${appends}
task_requests{namespace="default",operation="TransferActiveTaskActivity",service_name="history",task_type="x"} 3
service_latency_bucket{operation="SignalWorkflowExecution",service_name="frontend",le="0.1"} 999
temporal_request{operation="Poll"} 12
`;

describe('server request counts', () => {
  it('keeps the three counters, summed over every label but service and operation', () => {
    const c = parseServerCounts(exposition(10, 40));
    expect(Object.fromEntries(c)).toEqual({
      'service_requests frontend/SignalWorkflowExecution': 11,
      'service_requests history/SignalWorkflowExecution': 10,
      'persistence_requests history/AppendHistoryNodes': 40,
      'task_requests history/TransferActiveTaskActivity': 3,
    });
    expect(totalOf(c, 'service_requests')).toBe(21);
  });

  it('divides what happened between two readings by the runs, and compares the sides', () => {
    const before = parseServerCounts(exposition(10, 40));
    const ours = countsPerRun(before, parseServerCounts(exposition(30, 100)), 10);
    const baseline = countsPerRun(before, parseServerCounts(exposition(30, 80)), 10);
    expect(ours.get('persistence_requests history/AppendHistoryNodes')).toBe(6);
    expect(ours.has('task_requests history/TransferActiveTaskActivity')).toBe(false);
    const mean = meanCounts([ours, countsPerRun(before, parseServerCounts(exposition(50, 140)), 10)]);
    expect(mean.get('persistence_requests history/AppendHistoryNodes')).toBe(8);
    expect(compareServerCounts(mean, baseline)).toEqual([
      { key: 'persistence_requests history/AppendHistoryNodes', ours: 8, baseline: 4 },
      { key: 'service_requests frontend/SignalWorkflowExecution', ours: 3, baseline: 2 },
      { key: 'service_requests history/SignalWorkflowExecution', ours: 3, baseline: 2 },
    ]);
  });
});
