import { existsSync } from 'node:fs';
import path from 'node:path';

/** The workflows entry file for the bundler: the TypeScript source in development, the compiled file in dist/. */
export function workflowsEntryPath(): string {
  const ts = path.join(__dirname, '../workflows/index.ts');
  return existsSync(ts) ? ts : path.join(__dirname, '../workflows/index.js');
}
