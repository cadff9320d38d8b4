import { existsSync } from 'node:fs';
import path from 'node:path';
import { FAILURE_CONVERTER_PATH } from '../codec/data-converter';
import { WORKFLOW_TRACING_INTERCEPTORS } from '../observability/tracing';

/** The workflows entry file for the bundler: the TypeScript source in development, the compiled file in dist/. */
export function workflowsEntryPath(): string {
  const ts = path.join(__dirname, '../workflows/index.ts');
  return existsSync(ts) ? ts : path.join(__dirname, '../workflows/index.js');
}

/**
 * What every workflow bundle is built from. The failure converter and the tracing interceptor are part of
 * the bundle: a prebuilt bundle ignores the worker's own `failureConverterPath` and workflow interceptor
 * modules, so all bundlers (build script, tests, benchmark) use this. Workers register the interceptor's
 * sink (`Tracing.sinks`, a no-op with tracing off).
 */
export function workflowBundleSources(): {
  workflowsPath: string;
  failureConverterPath: string;
  workflowInterceptorModules: string[];
} {
  return {
    workflowsPath: workflowsEntryPath(),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    workflowInterceptorModules: [WORKFLOW_TRACING_INTERCEPTORS],
  };
}
