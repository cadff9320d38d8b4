/**
 * The worker evaluates every module the workflow code imports once per workflow it creates (the SDK's
 * reusable V8 context gives each workflow fresh module state): a profile showed building the Bank 131 zod
 * schemas there was ~8 % of the worker's workflow thread. The workflow graph must not reach them. The input
 * rules the workflow re-checks (zod, their schemas, @noble/hashes) are evaluated once per worker thread
 * instead, as `preloadModules` (workers/workflows-entry.ts): those modules must be pure and export nothing
 * the SDK's deep freeze of shared modules would break.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_PRELOAD_MODULES, workflowPreloadModules } from '../../workers/workflows-entry';
import { VALID_ACCOUNT_REQUEST } from '../helpers/payout-requests';

const ROOT = path.resolve(__dirname, '../..');

interface Graph {
  /** Project modules, relative to the repository root. */
  modules: Set<string>;
  /** Package imports by project module. */
  packages: Map<string, string[]>;
}

/** Project modules reachable from `entries` through value imports (`import type` is erased, so it costs nothing). */
function reachable(...entries: string[]): Graph {
  const modules = new Set<string>();
  const packages = new Map<string, string[]>();
  const visit = (file: string) => {
    if (modules.has(file)) return;
    modules.add(file);
    const source = readFileSync(path.join(ROOT, file), 'utf8');
    for (const m of source.matchAll(/^(?:import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gms)) {
      const [, typeOnly, spec] = m;
      if (typeOnly || !spec) continue;
      if (!spec.startsWith('.')) {
        packages.set(file, [...(packages.get(file) ?? []), spec]);
        continue;
      }
      visit(path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), `${spec}.ts`)));
    }
  };
  for (const entry of entries) visit(entry);
  return { modules, packages };
}

const preloaded = reachable(...WORKFLOW_PRELOAD_MODULES.map((m) => `${path.join('workers', m)}.ts`));

/** What the SDK does to each shared module's exports (@temporalio/worker, reusable-vm.js `deepFreeze`). */
function deepFreeze(object: unknown, visited = new WeakSet<object>()): void {
  if (object === null || (typeof object !== 'object' && typeof object !== 'function')) return;
  if (visited.has(object) || Object.isFrozen(object)) return;
  visited.add(object);
  if (typeof object === 'object') {
    for (const key of [...Object.getOwnPropertyNames(object), ...Object.getOwnPropertySymbols(object)]) {
      try {
        deepFreeze((object as Record<string | symbol, unknown>)[key], visited);
      } catch {
        // As the SDK: some objects cannot be frozen.
      }
    }
  }
  Object.freeze(object);
}

describe('workflow import graph', () => {
  it('does not evaluate the Bank 131 response schemas', () => {
    const graph = reachable('workflows/index.ts').modules;
    expect(graph).toContain('workflows/payout.ts');
    expect(graph).toContain('bank131/session.ts');
    expect(graph).not.toContain('bank131/schemas.ts');
  });

  it('evaluates zod and @noble/hashes once per worker thread, through the preloaded modules', () => {
    const heavy = (specs: Iterable<string[]>) =>
      new Set(
        [...specs].flat().filter((s) => s === 'zod' || s.startsWith('zod/') || s.startsWith('@noble/')),
      );
    const inWorkflow = heavy(reachable('workflows/index.ts').packages.values());
    expect(inWorkflow).toContain('zod');
    // The same specifier is the same module in the bundle: loaded by the preload, shared by every workflow.
    expect([...inWorkflow].filter((s) => !heavy(preloaded.packages.values()).has(s))).toEqual([]);
    // The paths handed to the bundler are the modules checked here.
    expect(workflowPreloadModules()).toEqual(
      WORKFLOW_PRELOAD_MODULES.map((m) => path.join(ROOT, `${path.join('workers', m)}.ts`)),
    );
  });

  it('preloads only pure modules: nothing that keeps state per workflow', () => {
    for (const file of preloaded.modules) {
      expect(file.startsWith('workflows/'), file).toBe(false);
      for (const spec of preloaded.packages.get(file) ?? []) {
        expect(spec, file).not.toMatch(/^@temporalio\/|^@opentelemetry\/|^node:/);
      }
    }
  });

  it('preloaded modules export only functions and immutable values (the SDK deep-freezes them)', async () => {
    for (const file of preloaded.modules) {
      const mod = (await import(path.join(ROOT, file))) as Record<string, unknown>;
      for (const [name, value] of Object.entries(mod)) {
        const ok =
          typeof value === 'function' ||
          value === null ||
          typeof value !== 'object' ||
          Object.isFrozen(value);
        expect(ok, `${file}: ${name}`).toBe(true);
      }
    }
  });

  it('the input rules still work after the deep freeze, before any parse has run', async () => {
    const mods = await Promise.all(
      [...preloaded.modules].map(async (f) => (await import(path.join(ROOT, f))) as Record<string, unknown>),
    );
    for (const mod of mods) for (const value of Object.values(mod)) deepFreeze(value);
    const { parsePayoutRequest, InvalidPayoutRequestError, requestHash } =
      await import('../../policy/payout-request');
    const valid = VALID_ACCOUNT_REQUEST;
    const parsed = parsePayoutRequest(valid);
    expect(parsed.currency).toBe('rub');
    expect(parsed.recipient.fullName).toBe('Иванов Иван');
    expect(requestHash(parsed)).toMatch(/^[0-9a-f]{64}$/);
    let problems: string[] = [];
    try {
      parsePayoutRequest({
        ...valid,
        amount: -1,
        recipient: { ...valid.recipient, account: '4081781000000000000' },
      });
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidPayoutRequestError);
      problems = (err as InstanceType<typeof InvalidPayoutRequestError>).problems;
    }
    expect(problems).toEqual(['amount: must be positive', 'recipient.account: must be 20 digits']);
  });
});
