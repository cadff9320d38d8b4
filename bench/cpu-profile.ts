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
