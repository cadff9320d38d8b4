/**
 * `npx tsx bench/workflow-module-cost.ts [runs] [--top N]`: what evaluating the workflow bundle's modules
 * costs per workflow, module by module. The SDK's reusable V8 context shares the modules the bundle loads
 * at bootstrap (the SDK's own runtime, and `preloadModules`) and gives every workflow a fresh module cache
 * for the rest, so each payout evaluates everything `importWorkflows()` reaches. This tool does the same
 * outside the worker: it runs the bundle in a `vm` context, then `runs` times empties the per-workflow cache
 * and calls `importWorkflows()`, timing each module's factory (self time, children subtracted). Wall time in
 * one process: read it beside `bench/workflow-start-cost.ts` (whole workflow, CPU) on a shared machine.
 */
import vm from 'node:vm';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleSources } from '../workers/workflows-entry';

const REQUIRE_CALL =
  /__webpack_modules__\[moduleId\]\.call\(module\.exports, module, module\.exports, __webpack_require__\);/;

interface Timing {
  self: number;
  count: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
  const runs = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--top') ?? 200);
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const { code } = await bundleWorkflowCode({ ...workflowBundleSources(), logger: quiet });
  if (!REQUIRE_CALL.test(code))
    throw new Error("the bundle's require function has changed: update REQUIRE_CALL");
  const timed = code.replace(
    REQUIRE_CALL,
    'globalThis.__timeModule(moduleId, () => __webpack_modules__[moduleId].call(module.exports, module, module.exports, __webpack_require__));',
  );

  // The module cache as the SDK's reusable context routes it: shared until a workflow exists, then per workflow.
  const shared = new Map<string | symbol, unknown>();
  let perWorkflow: Map<string | symbol, unknown> | undefined;
  const cache = new Proxy(
    {},
    {
      get: (_, p) => shared.get(p) ?? perWorkflow?.get(p),
      set: (_, p, v) => {
        (perWorkflow ?? shared).set(p, v);
        return true;
      },
      deleteProperty: (_, p) => (perWorkflow ?? shared).delete(p),
    },
  );
  const timings = new Map<string, Timing>();
  const stack: number[] = [];
  let measuring = false;
  const timeModule = (id: string, evaluate: () => void) => {
    const t0 = performance.now();
    stack.push(0);
    try {
      evaluate();
    } finally {
      const children = stack.pop() ?? 0;
      const total = performance.now() - t0;
      const parent = stack.length - 1;
      if (parent >= 0) stack[parent] = (stack[parent] ?? 0) + total;
      if (measuring) {
        const t = timings.get(id) ?? { self: 0, count: 0 };
        t.self += total - children;
        t.count += 1;
        timings.set(id, t);
      }
    }
  };
  const context = vm.createContext({ TextEncoder, TextDecoder, URL, URLSearchParams, AbortController });
  Object.defineProperty(context, '__webpack_module_cache__', { value: cache });
  Object.defineProperty(context, '__timeModule', { value: timeModule });
  vm.runInContext(timed, context);
  vm.runInContext('__TEMPORAL__.preloadModules?.()', context);
  const importWorkflows = new vm.Script('__TEMPORAL__.importWorkflows()');
  const once = () => {
    perWorkflow = new Map();
    importWorkflows.runInContext(context);
  };
  for (let i = 0; i < 30; i += 1) once(); // warm-up: JIT
  measuring = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < runs; i += 1) once();
  const cpu = process.cpuUsage(cpu0);
  const wallMs = (performance.now() - t0) / runs;
  const perModule = [...timings.entries()]
    .map(([id, t]) => ({ id: id.replace(/^.*node_modules\//, ''), ms: t.self / runs, count: t.count / runs }))
    .sort((a, b) => b.ms - a.ms);
  const byPackage = new Map<string, number>();
  for (const m of perModule) {
    const pkg = m.id.startsWith('./')
      ? 'ours'
      : m.id
          .split('/')
          .slice(0, m.id.startsWith('@') ? 2 : 1)
          .join('/');
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + m.ms);
  }
  const out: string[] = [
    `${runs} module evaluations of the workflow bundle (${perModule.length} modules per workflow, ${shared.size} shared): ` +
      `${((cpu.user + cpu.system) / 1000 / runs).toFixed(2)} ms CPU, ${wallMs.toFixed(2)} ms wall per workflow`,
    '',
    'by package (ms per workflow, self time):',
    ...[...byPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([p, ms]) => `  ${ms.toFixed(3).padStart(7)}  ${p}`),
    '',
    `top ${top} modules (ms per workflow, self time):`,
    ...perModule.slice(0, top).map((m) => `  ${m.ms.toFixed(3).padStart(7)}  ${m.id}`),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
