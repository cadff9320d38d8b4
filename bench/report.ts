/**
 * The benchmark's figures and their verdicts, as pure functions: bench/run.ts measures, this file judges and
 * renders the markdown table that docs/performance.md embeds (between its bench markers).
 */
import { percentile } from './stats';

export const TARGETS = {
  cpuRatio: 1.3,
  extraHistoryEvents: 4,
  throughputRatio: 0.85,
  signalP99Ratio: 1.5,
  /** The moderate load the signal p99 target is stated at, as a fraction of the measured saturation. */
  signalLoad: 0.5,
  rssGrowthPct: 10,
  /** Repetitions whose max/min exceeds this are flagged: the figure is not stable. */
  spread: 1.3,
} as const;

/** A figure over repetitions: its median, min, max and how far apart they are (max/min). */
export interface Repeated {
  median: number;
  min: number;
  max: number;
  values: number[];
  spread: number;
  flagged: boolean;
}

export function repeated(values: number[]): Repeated {
  const sorted = [...values].sort((a, b) => a - b);
  const min = sorted[0] ?? NaN;
  const max = sorted.at(-1) ?? NaN;
  const spread = max / min;
  return { median: percentile(sorted, 50), min, max, values, spread, flagged: spread > TARGETS.spread };
}

/** CPU ms per payout of the named processes together (usage in ms per payout, per process). */
export function cpuPerPayoutMs<K extends string>(usage: Record<K, number>, processes: K[]): number {
  return processes.reduce((sum, p) => sum + usage[p], 0);
}

export type EventCounts = Record<string, number>;

export interface HistoryComparison {
  /** Mean events per run. */
  ours: number;
  baseline: number;
  /** Event types we record more of than the baseline, per run. */
  extra: { type: string; perRun: number }[];
  fewer: { type: string; perRun: number }[];
  /** The sampled runs whose counts differ from the typical run's, and by how much in all: what a fraction means. */
  unusual: { ours: UnusualRuns; baseline: UnusualRuns };
}

/** A history comparison and how late the bank's webhooks came in the runs it was read from. */
export type JudgedHistory = HistoryComparison & { bankDelayMs?: number };

export interface UnusualRuns {
  runs: number;
  of: number;
  /** Summed over the unusual runs, against the typical run, by event type (negative: fewer). */
  difference: Record<string, number>;
}

/** The typical run is the most common set of counts; every other run is told apart against it. */
function unusualRuns(runs: EventCounts[]): UnusualRuns {
  const key = (c: EventCounts) => JSON.stringify(Object.entries(c).sort(([a], [b]) => a.localeCompare(b)));
  const seen = new Map<string, { counts: EventCounts; n: number }>();
  for (const run of runs) {
    const k = key(run);
    const entry = seen.get(k) ?? { counts: run, n: 0 };
    entry.n += 1;
    seen.set(k, entry);
  }
  const typical = [...seen.values()].sort((a, b) => b.n - a.n)[0];
  const difference: Record<string, number> = {};
  let unusual = 0;
  for (const run of runs) {
    if (!typical || key(run) === key(typical.counts)) continue;
    unusual += 1;
    for (const type of new Set([...Object.keys(run), ...Object.keys(typical.counts)])) {
      const d = (run[type] ?? 0) - (typical.counts[type] ?? 0);
      if (d !== 0) difference[type] = (difference[type] ?? 0) + d;
    }
  }
  return { runs: unusual, of: runs.length, difference };
}

function meanByType(runs: EventCounts[]): Map<string, number> {
  const sum = new Map<string, number>();
  for (const run of runs) for (const [t, c] of Object.entries(run)) sum.set(t, (sum.get(t) ?? 0) + c);
  return new Map([...sum].map(([t, c]) => [t, c / Math.max(runs.length, 1)]));
}

/**
 * Our extra history events per payout, as printed and judged: to a tenth of an event. A run whose webhook lands
 * after its wait began records +5 (a workflow task and a timer), on either side; with hundreds of sampled runs
 * per side one raced run moves a mean by under 0.01, so the verdict follows how often each side races, not
 * whether one sampled run did.
 */
export function extraHistoryEvents(h: Pick<HistoryComparison, 'ours' | 'baseline'>): number {
  return Math.round((h.ours - h.baseline) * 10) / 10;
}

export function compareHistories(ours: EventCounts[], baseline: EventCounts[]): HistoryComparison {
  const o = meanByType(ours);
  const b = meanByType(baseline);
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, c) => a + c, 0);
  const types = [...new Set([...o.keys(), ...b.keys()])].sort();
  const diff = types.map((type) => ({ type, perRun: (o.get(type) ?? 0) - (b.get(type) ?? 0) }));
  return {
    ours: total(o),
    baseline: total(b),
    // Under 0.05 per run is a rounding of the sample, not an event type one side has.
    extra: diff.filter((d) => d.perRun >= 0.05),
    fewer: diff.filter((d) => d.perRun <= -0.05).map((d) => ({ type: d.type, perRun: -d.perRun })),
    unusual: { ours: unusualRuns(ours), baseline: unusualRuns(baseline) },
  };
}

export function growth(
  from: number,
  to: number,
): { from: number; to: number; pct: number; flagged: boolean } {
  const pct = Math.round(((to - from) / from) * 1000) / 10;
  return { from, to, pct, flagged: pct > TARGETS.rssGrowthPct };
}

export interface ScaleRow {
  n: number;
  /** worker + gateway (+ the payout registry's PostgreSQL, when run) + our share of the server, ms per payout. */
  oursCpuMs: Repeated;
  /** baseline worker + its share of the server. */
  baselineCpuMs: Repeated;
  cpuRatio: Repeated;
  /** Medians, ms per payout. */
  cpuByProcessMs: {
    worker: number;
    gateway: number;
    /** The payout registry's PostgreSQL (`--registry`); absent when the run had none, as before 7 Dec 21:44. */
    registry?: number;
    temporal: number;
    baselineWorker: number;
    baselineTemporal: number;
  };
  throughput: Repeated;
  baselineThroughput: Repeated;
  throughputRatio: Repeated;
  p99Ms: Repeated;
  baselineP99Ms: Repeated;
}

export interface BenchReport {
  command: string;
  when: string;
  target: string;
  machine: { cpus: number; cpuModel?: string; memoryGb: number; platform: string; shared: boolean };
  versions: Record<string, string>;
  config: { ours: Record<string, string | number>; baseline: Record<string, string | number> };
  scale: ScaleRow[];
  /** The load runs' histories (`bankDelayMs`: their bank's; absent in reports before 7 Dec 16:48: 0). */
  history?: JudgedHistory;
  /** A phase of its own with the bank as slow as a real one on both sides (absent before 7 Dec 16:48). */
  historyAtBankPace?: JudgedHistory;
  signals?: {
    /** Signals per second offered to each path during the latency runs. */
    rate: number;
    /** That rate as a fraction of the lower saturation (absent in reports before it was recorded: 0.5). */
    load?: number;
    saturation: { gateway: number; direct: number; bareExpress: number };
    gatewayP99Ms: Repeated;
    directP99Ms: Repeated;
    p99Ratio: Repeated;
  };
  soak?: {
    payouts: number;
    workerRssMb: ReturnType<typeof growth>;
    gatewayRssMb: ReturnType<typeof growth>;
    /** RSS after each batch of `batch` payouts (absent in reports written before it was recorded). */
    rssSeriesMb?: { worker: number[]; gateway: number[] };
    /** Heap in use after a full collection, every thread, after each batch (absent before 7 Dec 15:00). */
    heapSeriesMb?: { worker: number[]; gateway: number[] };
    batch?: number;
    cpuMsPerPayoutFirst: number;
    cpuMsPerPayoutLast: number;
  };
  doubleConfirms: number;
}

const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
const seconds = (ms = 0) => `${ms / 1000} s`;
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
/**
 * "median (min–max)", with the spread flagged when it is over the limit. A median judged against `target` gets
 * more digits when two would print it as the target itself (0.8496 as "0.85" beside "≥ 0.85, not met").
 */
function rep(r: Repeated, f = f1, target?: number): string {
  const flag = r.flagged ? ` ⚠ spread ${((r.spread - 1) * 100).toFixed(0)} %` : '';
  const median = target === undefined ? f(r.median) : showingSide(r.median, target);
  return `${median} (${f(r.min)}–${f(r.max)})${flag}`;
}

/** Two decimals, or up to four when fewer would hide on which side of `target` the value lies. */
function showingSide(value: number, target: number): string {
  let digits = 2;
  while (digits < 4 && value !== target && value.toFixed(digits) === target.toFixed(digits)) digits += 1;
  return value.toFixed(digits);
}

/**
 * Where a documented run's table goes in docs/performance.md: each target (dev server, cluster) and kind of
 * run (scale, soak) has its own section, so one never overwrites another's.
 */
export function docSection(target: string, soak: boolean): string {
  return `${target === 'cluster' ? 'bench-cluster' : 'bench'}${soak ? '-soak' : ''}`;
}

/** `name`: the section's marker name (see docSection); `bench` is the dev server's full run. */
export function replaceBetweenMarkers(doc: string, table: string, name = 'bench'): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`the document has no ${begin} … ${end} markers`);
  return `${doc.slice(0, i + begin.length)}\n${table}\n${doc.slice(j)}`;
}

/** The event types one side records more (or fewer) of, and the runs unlike the typical one on each side. */
function historyDetails(h: HistoryComparison, title: string): string[] {
  const out = ['', title, ''];
  for (const e of h.extra) out.push(`- ${e.type}: +${f1(e.perRun)}`);
  if (h.extra.length === 0) out.push('- none');
  for (const e of h.fewer) out.push(`- (fewer) ${e.type}: −${f1(e.perRun)}`);
  const side = (name: string, u: UnusualRuns) => {
    const d = Object.entries(u.difference).map(([t, n]) => `${t} ${n > 0 ? '+' : '−'}${Math.abs(n)}`);
    return `${name} ${u.runs} of ${u.of}${d.length ? ` (${d.join(', ')})` : ''}`;
  };
  const { ours, baseline } = h.unusual;
  out.push('', `Sampled runs unlike the typical one: ${side('ours', ours)}; ${side('baseline', baseline)}.`);
  return out;
}

export function renderMarkdown(r: BenchReport): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(
    `Run ${r.when} on ${m.cpus} CPUs (${m.cpuModel ?? 'unknown'}), ${m.memoryGb} GiB, ${m.platform}` +
      `${m.shared ? ' — **the machine was shared with other work during this run**' : ''}; ` +
      `target: ${r.target}; ${Object.entries(r.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
    '',
    `Command: \`${r.command}\`. Each figure: median (min–max) over the repetitions; ⚠ marks a spread over ${((TARGETS.spread - 1) * 100).toFixed(0)} %.`,
    '',
    '| figure | ours | baseline | ratio / difference | target | verdict |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const s of r.scale) {
    out.push(
      `| CPU per payout, N=${s.n} (ms; worker+gateway+server${s.cpuByProcessMs.registry === undefined ? '' : '+registry'} vs worker+server) | ${rep(s.oursCpuMs)} | ${rep(s.baselineCpuMs)} | ${rep(s.cpuRatio, f2, TARGETS.cpuRatio)} | ≤ ${TARGETS.cpuRatio} | ${verdict(s.cpuRatio.median <= TARGETS.cpuRatio)} |`,
    );
  }
  const histories = [
    r.history && { h: r.history, what: 'history events per payout', runs: 'sampled runs' },
    r.historyAtBankPace && {
      h: r.historyAtBankPace,
      what: `history events per payout, the bank's webhooks ${seconds(r.historyAtBankPace.bankDelayMs)} late on both sides`,
      runs: 'runs',
    },
  ].filter((x) => x !== undefined);
  for (const { h, what, runs } of histories) {
    const extra = extraHistoryEvents(h);
    // A report with both says which bank the load runs had; one before the paced phase keeps its old label.
    const bank =
      r.historyAtBankPace && h === r.history ? `, bank in ${h.bankDelayMs ?? 0} ms (load runs)` : '';
    out.push(
      `| ${what}${bank} (mean of ${h.unusual.ours.of} / ${h.unusual.baseline.of} ${runs}) | ${f1(h.ours)} | ${f1(h.baseline)} | +${f1(extra)} | ≤ baseline + ${TARGETS.extraHistoryEvents} | ${verdict(extra <= TARGETS.extraHistoryEvents)} |`,
    );
  }
  for (const s of r.scale) {
    out.push(
      `| throughput ratio, N=${s.n} (payouts/s vs workflows/s) | ${rep(s.throughput)} | ${rep(s.baselineThroughput)} | ${rep(s.throughputRatio, f2, TARGETS.throughputRatio)} | ≥ ${TARGETS.throughputRatio} | ${verdict(s.throughputRatio.median >= TARGETS.throughputRatio)} |`,
    );
  }
  if (r.signals) {
    const g = r.signals;
    const load = g.load ?? TARGETS.signalLoad;
    const pct = (x: number) => `${Math.round(x * 100)} %`;
    // The target is stated at one load; a run at another says what it measured without judging it.
    const judged = load === TARGETS.signalLoad;
    out.push(
      `| signal p99 at ${g.rate.toFixed(0)}/s, ${pct(load)} of saturation (ms; gateway vs direct) | ${rep(g.gatewayP99Ms)} | ${rep(g.directP99Ms)} | ${rep(g.p99Ratio, f2, TARGETS.signalP99Ratio)} | ≤ ${TARGETS.signalP99Ratio}${judged ? '' : ` at ${pct(TARGETS.signalLoad)}`} | ${judged ? verdict(g.p99Ratio.median <= TARGETS.signalP99Ratio) : 'not judged'} |`,
      `| saturation (req/s): gateway vs direct signals; bare Express ${g.saturation.bareExpress.toFixed(0)} | ${g.saturation.gateway.toFixed(0)} | ${g.saturation.direct.toFixed(0)} | ${f2(g.saturation.gateway / g.saturation.direct)} | | |`,
    );
  }
  if (r.soak) {
    const s = r.soak;
    out.push(
      `| soak ${s.payouts} payouts: worker RSS after warm-up → end (MB) | ${f1(s.workerRssMb.from)} → ${f1(s.workerRssMb.to)} | | ${s.workerRssMb.pct} % | ≤ ${TARGETS.rssGrowthPct} % | ${verdict(!s.workerRssMb.flagged)} |`,
      `| soak: gateway RSS after warm-up → end (MB) | ${f1(s.gatewayRssMb.from)} → ${f1(s.gatewayRssMb.to)} | | ${s.gatewayRssMb.pct} % | ≤ ${TARGETS.rssGrowthPct} % | ${verdict(!s.gatewayRssMb.flagged)} |`,
      `| soak: CPU ms per payout, first → last batch | ${f1(s.cpuMsPerPayoutFirst)} → ${f1(s.cpuMsPerPayoutLast)} | | | | |`,
    );
    const along = (xs: number[], digits: number) => xs.map((x) => x.toFixed(digits)).join(', ');
    if (s.rssSeriesMb)
      out.push(
        `| soak: worker RSS after each ${s.batch ?? ''} payouts (MB) | ${along(s.rssSeriesMb.worker, 0)} | | | | |`,
        `| soak: gateway RSS after each ${s.batch ?? ''} payouts (MB) | ${along(s.rssSeriesMb.gateway, 0)} | | | | |`,
      );
    if (s.heapSeriesMb)
      out.push(
        `| soak: worker heap after a full GC, all threads, after each ${s.batch ?? ''} payouts (MB) | ${along(s.heapSeriesMb.worker, 1)} | | | | |`,
        `| soak: gateway heap after a full GC after each ${s.batch ?? ''} payouts (MB) | ${along(s.heapSeriesMb.gateway, 1)} | | | | |`,
      );
  }
  // Only a run with payouts counted confirms (a --gateway-only run has none to count).
  if (r.scale.length > 0 || r.soak)
    out.push(`| double confirms | ${r.doubleConfirms} | | | 0 | ${verdict(r.doubleConfirms === 0)} |`);

  // The registry's column only for runs that had one, so earlier reports render as they did.
  const withRegistry = r.scale.some((s) => s.cpuByProcessMs.registry !== undefined);
  if (r.scale.length > 0)
    out.push(
      '',
      'Cost growth with load (medians; CPU in ms per payout):',
      '',
      `| N | worker | gateway |${withRegistry ? ' registry |' : ''} server (ours) | **ours total** | baseline worker | server (baseline) | **baseline total** | p99 ours / baseline (ms) |`,
      `| --- | --- | --- |${withRegistry ? ' --- |' : ''} --- | --- | --- | --- | --- | --- |`,
    );
  for (const s of r.scale) {
    const c = s.cpuByProcessMs;
    const registry = withRegistry ? ` ${f1(c.registry ?? 0)} |` : '';
    out.push(
      `| ${s.n} | ${f1(c.worker)} | ${f1(c.gateway)} |${registry} ${f1(c.temporal)} | ${f1(s.oursCpuMs.median)} | ${f1(c.baselineWorker)} | ${f1(c.baselineTemporal)} | ${f1(s.baselineCpuMs.median)} | ${s.p99Ms.median.toFixed(0)} / ${s.baselineP99Ms.median.toFixed(0)} |`,
    );
  }
  if (r.history)
    out.push(...historyDetails(r.history, 'History events per payout that the baseline does not have:'));
  if (r.historyAtBankPace)
    out.push(
      ...historyDetails(
        r.historyAtBankPace,
        `With the bank's webhooks ${seconds(r.historyAtBankPace.bankDelayMs)} late on both sides (a phase of its own after the load runs), the same list:`,
      ),
    );
  out.push('', 'Configuration of both sides:', '', '| setting | ours | baseline |', '| --- | --- | --- |');
  const keys = [...new Set([...Object.keys(r.config.ours), ...Object.keys(r.config.baseline)])];
  for (const k of keys)
    out.push(`| ${k} | ${String(r.config.ours[k] ?? '–')} | ${String(r.config.baseline[k] ?? '–')} |`);
  return out.join('\n');
}
