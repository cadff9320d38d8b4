/**
 * The worker evaluates every module the workflow code imports once per workflow it creates (the SDK's
 * reusable V8 context gives each workflow fresh module state): a profile showed building the Bank 131 zod
 * schemas there was ~8 % of the worker's workflow thread. The workflow graph must not reach them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

/** Project modules reachable from `entry` through value imports (`import type` is erased, so it costs nothing). */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(path.join(ROOT, file), 'utf8');
    for (const m of source.matchAll(/^(?:import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'/gms)) {
      if (m[1]) continue;
      visit(path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), `${m[2]}.ts`)));
    }
  };
  visit(entry);
  return seen;
}

describe('workflow import graph', () => {
  it('does not evaluate the Bank 131 response schemas', () => {
    const graph = reachable('workflows/index.ts');
    expect(graph).toContain('workflows/payout.ts');
    expect(graph).toContain('bank131/session.ts');
    expect(graph).not.toContain('bank131/schemas.ts');
  });
});
