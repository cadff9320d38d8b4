/** What the tool fetchers (temporal CLI, Java test server) share: where tools are kept, and how one is found. */
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../config/local-demo';

/** This clone's copy (`.tools/`, git-ignored). */
export function projectToolDir(tool: string, version: string): string {
  return path.join(PROJECT_ROOT, '.tools', tool, version);
}

/** The per-user copy: survives fresh clones (e.g. in CI). */
export function userCacheToolDir(tool: string, version: string): string {
  return path.join(
    process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'),
    'bank131-payouts',
    tool,
    version,
  );
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** A tool fetcher's `main`: prints the tool's path for shell scripts, or the reason it has none. */
export function printToolPath(resolve: () => string): void {
  try {
    process.stdout.write(resolve() + '\n');
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}
