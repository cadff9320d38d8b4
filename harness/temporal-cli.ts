/**
 * Finds a `temporal` CLI binary, building it from the Go module proxy the first time.
 * Order: $TEMPORAL_CLI_PATH, a `temporal` on PATH, the project's `.tools/` (git-ignored), the per-user cache
 * (survives fresh clones, e.g. in CI), else `go install` into `.tools/` and copy it to the user cache.
 * `npm run temporal:cli` (scripts/temporal-cli.ts) prints the path, so shell scripts can use it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { findOnPath, isExecutable, projectToolDir, userCacheToolDir } from './tools';

/** The one place the CLI version is pinned. v1.5.1 is the newest release that `go install` accepts. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

export const TOOLS_BIN = projectToolDir('temporal-cli', TEMPORAL_CLI_VERSION);
export const USER_CACHE_BIN = userCacheToolDir('temporal-cli', TEMPORAL_CLI_VERSION);

export function resolveTemporalCli(
  log: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): string {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const onPath = findOnPath('temporal');
  if (onPath) return onPath;
  const cached = path.join(TOOLS_BIN, 'temporal');
  if (isExecutable(cached)) return cached;
  const userCached = path.join(USER_CACHE_BIN, 'temporal');
  if (isExecutable(userCached)) return userCached;

  if (!findOnPath('go')) {
    throw new Error(
      'No `temporal` CLI found and Go is not installed to build one.\n' +
        'Fix: install Go >= 1.25 (https://go.dev/dl or `apt-get install golang`), or set TEMPORAL_CLI_PATH to an existing `temporal` binary.',
    );
  }
  mkdirSync(TOOLS_BIN, { recursive: true });
  log(
    `[temporal-cli] building ${TEMPORAL_CLI_MODULE} into ${TOOLS_BIN} (first run only; takes a few minutes)...`,
  );
  const started = Date.now();
  const result = spawnSync('go', ['install', '-trimpath', TEMPORAL_CLI_MODULE], {
    env: { ...process.env, CGO_ENABLED: '0', GOBIN: TOOLS_BIN, GOFLAGS: '-mod=mod' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0 || !isExecutable(cached)) {
    throw new Error(
      `building the temporal CLI failed (go install exit ${result.status ?? result.signal}); see the output above`,
    );
  }
  log(`[temporal-cli] built ${cached} in ${Math.round((Date.now() - started) / 1000)}s`);
  try {
    mkdirSync(USER_CACHE_BIN, { recursive: true });
    copyFileSync(cached, userCached);
  } catch (err) {
    log(
      `[temporal-cli] could not keep a copy in ${USER_CACHE_BIN} (${String(err)}); the next fresh clone builds again`,
    );
  }
  return cached;
}
