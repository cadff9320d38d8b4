/** Summarizes a V8 .cpuprofile: self time by package or project folder, and the hottest functions. */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function owner(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url.split('/')[0]!.replace(/:.*/, ':') + url.split('/').slice(-1)[0];
  const project =
    /\/(activities|bank131|workflows|workers|observability|codec|config|policy|temporal|scripts)\//.exec(url);
  return project ? `ours:${project[1]}` : url;
}

export function summarizeCpuProfile(
  file: string,
  top = 12,
): { byOwner: [string, number][]; byFunction: [string, number][]; totalMs: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = nodes.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    total += us;
    const o = owner(node.callFrame.url, node.callFrame.functionName);
    byOwner.set(o, (byOwner.get(o) ?? 0) + us);
    const f = `${node.callFrame.functionName || '(anonymous)'} ${o}`;
    byFunction.set(f, (byFunction.get(f) ?? 0) + us);
  }
  const pct = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => [k, (100 * v) / total] as [string, number]);
  return { byOwner: pct(byOwner), byFunction: pct(byFunction), totalMs: total / 1000 };
}

/**
 * A profile's summary as printable lines: `heading` (given the main thread's busy ms), self time by package or
 * project folder, then the hottest functions.
 */
export function profileSummaryLines(
  file: string,
  heading: (totalMs: number) => string,
  { owners = 12, functions = 8 } = {},
): string[] {
  const p = summarizeCpuProfile(file, Math.max(owners, functions));
  const line = ([k, pct]: [string, number]) => `  ${pct.toFixed(1).padStart(5)}%  ${k}`;
  return [
    heading(p.totalMs),
    ...p.byOwner.slice(0, owners).map(line),
    '  hottest functions:',
    ...p.byFunction.slice(0, functions).map(line),
  ];
}

/**
 * Two processes' main-thread self time, in ms per payout by package or project folder, largest difference
 * first: where one side's CPU goes that the other's does not. Wall-clock samples, so on a busy machine every
 * figure is inflated alike; read the differences, not the absolute values.
 */
export function compareCpuProfiles(
  ours: { file: string; payouts: number },
  theirs: { file: string; payouts: number },
  top = 12,
): { totals: [number, number]; rows: { owner: string; ours: number; theirs: number }[] } {
  const perPayout = (side: { file: string; payouts: number }) => {
    const p = summarizeCpuProfile(side.file, Number.MAX_SAFE_INTEGER);
    const ms = new Map(p.byOwner.map(([k, pct]) => [k, (pct * p.totalMs) / 100 / side.payouts]));
    return { total: p.totalMs / side.payouts, ms };
  };
  const a = perPayout(ours);
  const b = perPayout(theirs);
  const rows = [...new Set([...a.ms.keys(), ...b.ms.keys()])]
    .map((owner) => ({ owner, ours: a.ms.get(owner) ?? 0, theirs: b.ms.get(owner) ?? 0 }))
    .sort((x, y) => y.ours - y.theirs - (x.ours - x.theirs))
    .slice(0, top);
  return { totals: [a.total, b.total], rows };
}
