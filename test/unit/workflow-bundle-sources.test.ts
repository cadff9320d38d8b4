import { describe, expect, it } from 'vitest';
import { WORKFLOW_TRACING_INTERCEPTORS } from '../../observability/tracing';
import { tracedBundlePath, workflowBundleSources } from '../../workers/workflows-entry';

describe('workflow bundles', () => {
  it('leave the tracing interceptor out unless tracing is on (it costs CPU per workflow even unused)', () => {
    expect(workflowBundleSources().workflowInterceptorModules).toEqual([]);
    expect(workflowBundleSources({ tracing: true }).workflowInterceptorModules).toEqual([
      WORKFLOW_TRACING_INTERCEPTORS,
    ]);
  });

  it('name the traced twin beside the plain bundle', () => {
    expect(tracedBundlePath('/app/dist/workflow-bundle.js')).toBe('/app/dist/workflow-bundle.traced.js');
    expect(tracedBundlePath('/tmp/bundle')).toBe('/tmp/bundle.traced.js');
  });
});
