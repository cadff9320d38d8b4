import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import path from 'node:path';
import { FAILURE_CONVERTER_PATH } from '../codec/data-converter';
import { WORKFLOW_TRACING_INTERCEPTORS } from '../observability/tracing';

/** The workflows entry file for the bundler: the TypeScript source in development, the compiled file in dist/. */
export function workflowsEntryPath(): string {
  return sourceOrCompiled('../workflows/index');
}

function sourceOrCompiled(relative: string): string {
  const ts = path.join(__dirname, `${relative}.ts`);
  return existsSync(ts) ? ts : path.join(__dirname, `${relative}.js`);
}

/**
 * Modules the SDK's reusable V8 context evaluates once per workflow thread and shares, instead of once per
 * workflow: the input rules the workflow re-checks (policy/payout-request.ts, with zod, its schemas and
 * @noble/hashes) were ~7 of ~22 ms of worker CPU per payout (bench/workflow-module-cost.ts). Only pure,
 * stateless modules belong here (no `@temporalio/workflow`, nothing per workflow), and they export only
 * functions and immutable values: the SDK deep-freezes what a shared module exports, and zod caches lazily
 * on its schema objects (test/unit/workflow-import-graph.test.ts holds both).
 */
export const WORKFLOW_PRELOAD_MODULES = ['../policy/payout-request'] as const;

export function workflowPreloadModules(): string[] {
  return WORKFLOW_PRELOAD_MODULES.map(sourceOrCompiled);
}

/**
 * What every workflow bundle is built from. The failure converter is part of the bundle: a prebuilt bundle
 * ignores the worker's own `failureConverterPath`, so all bundlers (build script, tests, benchmark) use this.
 * The tracing interceptor goes in only for tracing (`{ tracing: true }`): evaluated for every workflow it
 * costs ~10 ms of worker CPU per payout even when its spans go nowhere (bench/workflow-start-cost.ts), and
 * it emits no commands, so both bundles replay the same histories. `preloadModules`: see above.
 */
export function workflowBundleSources(opts: { tracing?: boolean } = {}): {
  workflowsPath: string;
  failureConverterPath: string;
  workflowInterceptorModules: string[];
  preloadModules: string[];
} {
  return {
    preloadModules: workflowPreloadModules(),
    workflowsPath: workflowsEntryPath(),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    workflowInterceptorModules: opts.tracing ? [WORKFLOW_TRACING_INTERCEPTORS] : [],
  };
}

/** The traced twin of a prebuilt bundle (`npm run build` writes both): `x.js` → `x.traced.js`. */
export function tracedBundlePath(bundlePath: string): string {
  return bundlePath.replace(/(\.js)?$/, '.traced.js');
}

/** Writes the plain bundle to `out` and its traced twin beside it (build script, test setups); returns sizes. */
export async function writeWorkflowBundles(out: string): Promise<{ file: string; bytes: number }[]> {
  mkdirSync(path.dirname(out), { recursive: true });
  const written: { file: string; bytes: number }[] = [];
  for (const [file, tracing] of [
    [out, false],
    [tracedBundlePath(out), true],
  ] as const) {
    const { code } = await bundleWorkflowCode(workflowBundleSources({ tracing }));
    writeFileSync(file, code);
    written.push({ file, bytes: code.length });
  }
  return written;
}
