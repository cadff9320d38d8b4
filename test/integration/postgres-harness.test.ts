/**
 * The cluster's PostgreSQL as root: it runs as the postgres user, who must be able to reach its data folder.
 * A project under a folder closed to that user (root's own 0700 home, a 0700 temporary folder) gets a clear
 * error naming the folder and the fix, before initdb fails with "Permission denied".
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgres } from '../../harness/cluster/postgres';

const outer = mkdtempSync(path.join(os.tmpdir(), 'closed-to-postgres-'));
afterAll(() => rmSync(outer, { recursive: true, force: true }));

// Only root runs PostgreSQL as another user; as anyone else it runs as that user, who owns the folder.
describe.runIf(process.getuid?.() === 0)('PostgreSQL harness as root', () => {
  it('names the folder the postgres user may not enter, and the fix', () => {
    chmodSync(outer, 0o700);
    const pg = createPostgres({ dir: path.join(outer, 'cluster'), port: 1 });
    expect(() => pg.start()).toThrow(
      new RegExp(`may not enter ${outer}, on the way to .*chmod o\\+x ${outer}`),
    );
  });
});
