import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import path from 'node:path';
import { FAILURE_CONVERTER_PATH } from '../codec/data-converter';
import { WORKFLOW_TRACING_INTERCEPTORS } from '../observability/tracing';

/** The workflows entry file for the bundler: the TypeScript source in development, the compiled file in dist/. */
export function workflowsEntryPath(): string {
  const ts = path.join(__dirname, '../workflows/index.ts');
  return existsSync(ts) ? ts : path.join(__dirname, '../workflows/index.js');
}

/**
 * What every workflow bundle is built from. The failure converter is part of the bundle: a prebuilt bundle
 * ignores the worker's own `failureConverterPath`, so all bundlers (build script, tests, benchmark) use this.
 * The tracing interceptor goes in only for tracing (`{ tracing: true }`): evaluated for every workflow it
 * costs ~10 ms of worker CPU per payout even when its spans go nowhere (bench/workflow-start-cost.ts), and
 * it emits no commands, so both bundles replay the same histories.
 */
export function workflowBundleSources(opts: { tracing?: boolean } = {}): {
  workflowsPath: string;
  failureConverterPath: string;
  workflowInterceptorModules: string[];
} {
  return {
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
