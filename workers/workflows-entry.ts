import { existsSync } from 'node:fs';
import path from 'node:path';
import { FAILURE_CONVERTER_PATH } from '../codec/data-converter';

/** The workflows entry file for the bundler: the TypeScript source in development, the compiled file in dist/. */
export function workflowsEntryPath(): string {
  const ts = path.join(__dirname, '../workflows/index.ts');
  return existsSync(ts) ? ts : path.join(__dirname, '../workflows/index.js');
}

/**
 * What every workflow bundle is built from. The failure converter is part of the bundle: a prebuilt bundle
 * ignores the worker's own `failureConverterPath`, so all bundlers (build script, tests, benchmark) use this.
 */
export function workflowBundleSources(): { workflowsPath: string; failureConverterPath: string } {
  return { workflowsPath: workflowsEntryPath(), failureConverterPath: FAILURE_CONVERTER_PATH };
}
