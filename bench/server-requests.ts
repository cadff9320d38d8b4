/**
 * What the Temporal server did for each side, counted from its own Prometheus counters: requests by service
 * and operation (`service_requests`), database operations (`persistence_requests`) and internal tasks
 * (`task_requests`). CPU tells how much more the server spent on our payouts than on the baseline's runs;
 * these counts tell on what, per payout, without a profiler in the server.
 */

/** Counters read; each summed over every label but the service and the operation. */
export const COUNTERS = ['service_requests', 'persistence_requests', 'task_requests'] as const;

/** `counter service/operation` → value. */
export type ServerCounts = Map<string, number>;

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses Prometheus text exposition, keeping only the counters above. */
export function parseServerCounts(text: string): ServerCounts {
  const counts: ServerCounts = new Map();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const name = m[1]!.replace(/_total$/, '');
    if (!(COUNTERS as readonly string[]).includes(name)) continue;
    const labels = new Map([...(m[2] ?? '').matchAll(LABEL)].map((l) => [l[1]!, l[2]!]));
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    const key = `${name} ${labels.get('service_name') ?? '?'}/${labels.get('operation') ?? '?'}`;
    counts.set(key, (counts.get(key) ?? 0) + value);
  }
  return counts;
}

/**
 * The server hands its counters to Prometheus once a second (tally's reporting interval, server 1.29.1
 * `common/metrics/config.go`), so a reading right after a batch misses its last second: at N = 30 a batch's
 * end showed a quarter of a baseline run's requests, the rest arriving in the next phase's reading. Each
 * reading waits this long first, with the batch's work done.
 */
export const COUNTER_SETTLE_MS = 2500;

export async function scrapeServerCounts(url: string, settleMs = COUNTER_SETTLE_MS): Promise<ServerCounts> {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const res = await fetch(url);
  if (!res.ok) throw new Error(`server metrics at ${url}: HTTP ${res.status}`);
  return parseServerCounts(await res.text());
}

/** Counts between two readings, per run. */
export function countsPerRun(before: ServerCounts, after: ServerCounts, runs: number): ServerCounts {
  const out: ServerCounts = new Map();
  for (const [k, v] of after) {
    const d = (v - (before.get(k) ?? 0)) / runs;
    if (d !== 0) out.set(k, d);
  }
  return out;
}

/** Sums of several readings' per-run counts, divided by how many: one side's mean over its batches. */
export function meanCounts(all: ServerCounts[]): ServerCounts {
  const out: ServerCounts = new Map();
  for (const c of all) for (const [k, v] of c) out.set(k, (out.get(k) ?? 0) + v / all.length);
  return out;
}

export interface CountDifference {
  key: string;
  ours: number;
  baseline: number;
}

/** Every counter where the two sides differ by at least `min` per run, largest difference first. */
export function compareServerCounts(
  ours: ServerCounts,
  baseline: ServerCounts,
  min = 0.05,
): CountDifference[] {
  const keys = new Set([...ours.keys(), ...baseline.keys()]);
  return [...keys]
    .map((key) => ({ key, ours: ours.get(key) ?? 0, baseline: baseline.get(key) ?? 0 }))
    .filter((d) => Math.abs(d.ours - d.baseline) >= min)
    .sort(
      (a, b) => Math.abs(b.ours - b.baseline) - Math.abs(a.ours - a.baseline) || a.key.localeCompare(b.key),
    );
}

/** One counter's totals per run for each side, e.g. every `persistence_requests` together. */
export function totalOf(counts: ServerCounts, counter: (typeof COUNTERS)[number]): number {
  let sum = 0;
  for (const [k, v] of counts) if (k.startsWith(`${counter} `)) sum += v;
  return sum;
}
