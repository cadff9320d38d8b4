import { describe, expect, it } from 'vitest';
import {
  compareHistories,
  cpuPerPayoutMs,
  docSection,
  growth,
  renderMarkdown,
  repeated,
  replaceBetweenMarkers,
  type BenchReport,
} from '../../bench/report';

describe('bench report', () => {
  it('CPU per payout sums the processes of one side, in ms, and ignores the ones not named', () => {
    const usage = { worker: 20, gateway: 5, temporal: 30, benchAndSimulator: 7 };
    expect(cpuPerPayoutMs(usage, ['worker', 'gateway', 'temporal'])).toBe(55);
  });

  it('repetitions give the median and the spread (max/min), and a spread over 30 % is flagged', () => {
    expect(repeated([10, 12, 11])).toMatchObject({ median: 11, min: 10, max: 12, flagged: false });
    expect(repeated([10, 12, 11]).spread).toBeCloseTo(1.2);
    const wide = repeated([10, 14, 11]);
    expect(wide.flagged).toBe(true);
    expect(wide.spread).toBeCloseTo(1.4);
  });

  it('history events per run: totals per side and each event type we have more of, with how many more', () => {
    const ours = [
      { WorkflowExecutionStarted: 1, UpsertWorkflowSearchAttributes: 3, ActivityTaskScheduled: 3 },
      { WorkflowExecutionStarted: 1, UpsertWorkflowSearchAttributes: 3, ActivityTaskScheduled: 3 },
    ];
    const baseline = [{ WorkflowExecutionStarted: 1, ActivityTaskScheduled: 3, MarkerRecorded: 1 }];
    const c = compareHistories(ours, baseline);
    expect(c.ours).toBe(7);
    expect(c.baseline).toBe(5);
    expect(c.extra).toEqual([{ type: 'UpsertWorkflowSearchAttributes', perRun: 3 }]);
    expect(c.fewer).toEqual([{ type: 'MarkerRecorded', perRun: 1 }]);
  });

  it('a difference that rounds to nothing per run is not listed as an extra event type', () => {
    const ours = Array.from({ length: 50 }, (_, i) => ({ TimerStarted: i === 0 ? 3 : 2 }));
    const baseline = Array.from({ length: 50 }, () => ({ TimerStarted: 2 }));
    expect(compareHistories(ours, baseline).extra).toEqual([]);
  });

  it('names what the sampled runs unlike the typical one had more or fewer of, so a fraction per run is explained', () => {
    const typical = { WorkflowTaskScheduled: 7, WorkflowTaskStarted: 7, TimerStarted: 2 };
    const oneMoreTask = { ...typical, WorkflowTaskScheduled: 8, WorkflowTaskStarted: 8 };
    const oneTimerLess = { ...typical, TimerStarted: 1 };
    const ours = [typical, oneMoreTask, typical, oneMoreTask, oneTimerLess, typical];
    const c = compareHistories(ours, [typical, typical]);
    expect(c.unusual.ours).toEqual({
      runs: 3,
      of: 6,
      difference: { WorkflowTaskScheduled: 2, WorkflowTaskStarted: 2, TimerStarted: -1 },
    });
    expect(c.unusual.baseline).toEqual({ runs: 0, of: 2, difference: {} });
    const md = renderMarkdown({ ...minimalReport(), history: c });
    expect(md).toContain(
      'Sampled runs unlike the typical one: ours 3 of 6 (WorkflowTaskScheduled +2, WorkflowTaskStarted +2, TimerStarted −1); baseline 0 of 2',
    );
  });

  it('history is judged as printed, to a tenth of an event: a few raced runs in hundreds sampled do not flip it', () => {
    // The race (a webhook landing after the wait began: +5 events) hits an occasional run on either side; with
    // 600 runs sampled per side, three raced runs of ours move its mean by 0.025.
    const typical = { WorkflowTaskScheduled: 8, WorkflowTaskStarted: 8, UpsertWorkflowSearchAttributes: 4 };
    const raced = { ...typical, WorkflowTaskScheduled: 9, WorkflowTaskStarted: 9, TimerStarted: 3 };
    const base = { WorkflowTaskScheduled: 8, WorkflowTaskStarted: 8 };
    const ours = Array.from({ length: 600 }, (_, i) => (i % 200 === 0 ? raced : typical));
    const c = compareHistories(
      ours,
      Array.from({ length: 600 }, () => base),
    );
    expect(c.ours - c.baseline).toBeCloseTo(4.025, 3);
    expect(renderMarkdown({ ...minimalReport(), history: c })).toMatch(
      /history events per payout.*\| \+4\.0 \|.*≤ baseline \+ 4 \| met \|/,
    );
    // Past the printed tenth it is not met, however the difference arose.
    const more = compareHistories(
      Array.from({ length: 50 }, (_, i) => (i === 0 ? raced : typical)),
      Array.from({ length: 50 }, () => base),
    );
    expect(renderMarkdown({ ...minimalReport(), history: more })).toMatch(
      /history events per payout.*\| \+4\.1 \|.*\| \*\*not met\*\* \|/,
    );
  });

  it("judges, beside the load runs' history, a phase's with the bank as slow as a real one, each with its own unusual runs", () => {
    const typical = { WorkflowTaskScheduled: 8, WorkflowTaskStarted: 8, UpsertWorkflowSearchAttributes: 4 };
    const raced = { ...typical, WorkflowTaskScheduled: 9, WorkflowTaskStarted: 9, TimerStarted: 3 };
    const base = { WorkflowTaskScheduled: 8, WorkflowTaskStarted: 8 };
    // The load runs: the 0 ms bank's race, 18 of 600 of ours (+0.15), as on 7 Dec.
    const load = compareHistories(
      Array.from({ length: 600 }, (_, i) => (i % 33 === 0 && i < 594 ? raced : typical)),
      Array.from({ length: 600 }, () => base),
    );
    // The paced phase: every run on both sides waiting when its webhook lands (the timer shape on both).
    const waited = { ...typical, TimerStarted: 2, TimerCanceled: 2 };
    const paced = compareHistories(
      Array.from({ length: 200 }, () => waited),
      Array.from({ length: 200 }, () => ({ ...base, TimerStarted: 2, TimerCanceled: 2 })),
    );
    const md = renderMarkdown({
      ...minimalReport(),
      history: { ...load, bankDelayMs: 0 },
      historyAtBankPace: { ...paced, bankDelayMs: 1500 },
    });
    expect(md).toMatch(
      /\| history events per payout, bank in 0 ms \(load runs\) \(mean of 600 \/ 600 sampled runs\) \|.*\| \+4\.1 \|.*\| \*\*not met\*\* \|/,
    );
    expect(md).toMatch(
      /\| history events per payout, the bank's webhooks 1\.5 s late on both sides \(mean of 200 \/ 200 runs\) \|.*\| \+4\.0 \|.*≤ baseline \+ 4 \| met \|/,
    );
    expect(md).toContain('Sampled runs unlike the typical one: ours 18 of 600');
    expect(md).toContain(
      "With the bank's webhooks 1.5 s late on both sides (a phase of its own after the load runs), the same list:\n\n- UpsertWorkflowSearchAttributes: +4.0\n\nSampled runs unlike the typical one: ours 0 of 200; baseline 0 of 200.",
    );
    // A report from before the phase keeps its one row, labelled as it was.
    expect(renderMarkdown({ ...minimalReport(), history: load })).toMatch(
      /\| history events per payout \(mean of 600 \/ 600 sampled runs\) \|/,
    );
  });

  it('a judged ratio that two decimals would print as its target is printed with the digits that show its side', () => {
    const report = minimalReport();
    const row = report.scale[0]!;
    const just = (median: number, min: number, max: number) => ({ ...repeated([min, median, max]) });
    // The cluster, 7 Dec 17:17: 0.8496 printed "0.85" beside "≥ 0.85" and "not met".
    const md = renderMarkdown({
      ...report,
      scale: [{ ...row, throughputRatio: just(0.849609, 0.834, 0.898), cpuRatio: just(1.3004, 1.2, 1.4) }],
    });
    expect(md).toMatch(
      /\| throughput ratio, N=100 .*\| 0\.8496 \(0\.83–0\.90\) \| ≥ 0\.85 \| \*\*not met\*\* \|/,
    );
    expect(md).toMatch(
      /\| CPU per payout, N=100 .*\| 1\.3004 \(1\.20–1\.40\) \| ≤ 1\.3 \| \*\*not met\*\* \|/,
    );
    // Two decimals stay when they already tell the side, or when the figure is the target itself.
    const plain = renderMarkdown({
      ...report,
      scale: [{ ...row, throughputRatio: just(0.86, 0.8, 0.9), cpuRatio: just(1.3, 1.2, 1.4) }],
    });
    expect(plain).toMatch(/\| 0\.86 \(0\.80–0\.90\) \| ≥ 0\.85 \| met \|/);
    expect(plain).toMatch(/\| 1\.30 \(1\.20–1\.40\) \| ≤ 1\.3 \| met \|/);
  });

  it('RSS growth from after warm-up to the end, flagged over 10 %', () => {
    expect(growth(200, 215)).toEqual({ from: 200, to: 215, pct: 7.5, flagged: false });
    expect(growth(200, 230).flagged).toBe(true);
  });

  it('the docs table replaces only what sits between the markers', () => {
    const doc = 'intro\n<!-- bench:begin -->\nold\n<!-- bench:end -->\noutro\n';
    expect(replaceBetweenMarkers(doc, 'new table')).toBe(
      'intro\n<!-- bench:begin -->\nnew table\n<!-- bench:end -->\noutro\n',
    );
    expect(() => replaceBetweenMarkers('no markers', 'x')).toThrow(/markers/);
    const both = `${doc}<!-- bench-soak:begin -->\n<!-- bench-soak:end -->\n`;
    expect(replaceBetweenMarkers(both, 'soak', 'bench-soak')).toBe(
      `${doc}<!-- bench-soak:begin -->\nsoak\n<!-- bench-soak:end -->\n`,
    );
  });

  it('each target and kind of documented run writes its own section, never another one', () => {
    expect(docSection('dev', false)).toBe('bench');
    expect(docSection('dev', true)).toBe('bench-soak');
    expect(docSection('cluster', false)).toBe('bench-cluster');
    expect(docSection('cluster', true)).toBe('bench-cluster-soak');
  });

  it('the markdown states the machine, the command, both configurations and every target with its verdict', () => {
    const report = minimalReport();
    const md = renderMarkdown(report);
    expect(md).toContain('2 CPUs');
    expect(md).toContain('shared');
    expect(md).toContain('npm run bench -- --full');
    expect(md).toMatch(/CPU per payout.*1\.50.*≤ 1\.3.*not met/);
    expect(md).toMatch(/history events per payout.*30\.0.*25\.0.*met/);
    expect(md).toContain('UpsertWorkflowSearchAttributes');
    expect(md).toMatch(/throughput ratio.*N=100.*0\.86.*met/);
    expect(md).toMatch(/signal p99.*1\.20.*met/);
    expect(md).toContain('logLevel');
  });

  it("with the payout registry, its PostgreSQL is one of our processes: in ours' CPU label and its own column", () => {
    const plain = renderMarkdown(minimalReport());
    expect(plain).toMatch(/CPU per payout, N=100 \(ms; worker\+gateway\+server vs worker\+server\)/);
    expect(plain).not.toContain('registry');
    const base = minimalReport();
    const row = base.scale[0]!;
    const md = renderMarkdown({
      ...base,
      scale: [{ ...row, cpuByProcessMs: { ...row.cpuByProcessMs, registry: 2.5 } }],
    });
    expect(md).toMatch(/CPU per payout, N=100 \(ms; worker\+gateway\+server\+registry vs worker\+server\)/);
    expect(md).toContain('| N | worker | gateway | registry | server (ours) |');
    expect(md).toMatch(/\| 100 \| 20\.0 \| 5\.0 \| 2\.5 \| 35\.0 \| 60\.0 \|/);
  });

  it('a run without payouts (--gateway-only) states no verdict on double confirms, which it did not measure', () => {
    const { history: _history, ...report } = minimalReport();
    const md = renderMarkdown({ ...report, scale: [] });
    expect(md).toMatch(/signal p99.*met/);
    expect(md).not.toContain('double confirms');
    expect(renderMarkdown(minimalReport())).toMatch(/double confirms \| 0 .*\| met/);
  });

  it("a soak prints each batch's RSS and heap after a full collection beside the judged RSS growth", () => {
    const soak = {
      payouts: 3000,
      workerRssMb: growth(400, 410),
      gatewayRssMb: growth(150, 160),
      rssSeriesMb: { worker: [400, 405, 410], gateway: [150, 155, 160] },
      heapSeriesMb: { worker: [61.04, 60.5, 61.2], gateway: [21.3, 22.06, 22.9] },
      batch: 1000,
      cpuMsPerPayoutFirst: 90,
      cpuMsPerPayoutLast: 91,
    };
    const { history: _h, signals: _s, ...report } = minimalReport();
    const md = renderMarkdown({ ...report, scale: [], soak });
    expect(md).toMatch(
      /soak: gateway RSS after warm-up → end \(MB\) \| 150\.0 → 160\.0 \| +\| 6\.7 % \| ≤ 10 % \| met/,
    );
    expect(md).toMatch(
      /worker heap after a full GC, all threads, after each 1000 payouts \(MB\) \| 61\.0, 60\.5, 61\.2 \|/,
    );
    expect(md).toMatch(
      /gateway heap after a full GC after each 1000 payouts \(MB\) \| 21\.3, 22\.1, 22\.9 \|/,
    );
    // A report written before the heap was read prints what it has.
    const { heapSeriesMb: _heap, ...older } = soak;
    expect(renderMarkdown({ ...report, scale: [], soak: older })).not.toContain('heap after');
  });

  it("signal latency names its load; a load other than the target's half of saturation gets no verdict", () => {
    const report = minimalReport();
    expect(renderMarkdown(report)).toMatch(/signal p99 at 200\/s, 50 % of saturation.*≤ 1\.5 \| met/);
    const light = { ...report, signals: { ...report.signals!, rate: 100, load: 0.25 } };
    const md = renderMarkdown(light);
    expect(md).toMatch(/signal p99 at 100\/s, 25 % of saturation.*≤ 1\.5 at 50 % \| not judged/);
    expect(md).not.toMatch(/signal p99.*\| met/);
  });
});

/** A complete report with round figures: one N, the gateway phases, no double confirm. */
function minimalReport(): BenchReport {
  const r = (median: number) => repeated([median, median, median]);
  return {
    command: 'npm run bench -- --full',
    when: '2026-11-25T20:00:00.000Z',
    target: 'dev',
    machine: { cpus: 2, cpuModel: 'AMD EPYC', memoryGb: 24, platform: 'linux', shared: true },
    versions: { node: 'v20', temporalSdk: '1.24.0', temporalServer: 'CLI v1.5.1' },
    config: { ours: { logLevel: 'info' }, baseline: { logLevel: 'info' } },
    scale: [
      {
        n: 100,
        oursCpuMs: r(60),
        baselineCpuMs: r(40),
        cpuRatio: r(1.5),
        cpuByProcessMs: { worker: 20, gateway: 5, temporal: 35, baselineWorker: 8, baselineTemporal: 32 },
        throughput: r(30),
        baselineThroughput: r(35),
        throughputRatio: r(0.86),
        p99Ms: r(900),
        baselineP99Ms: r(800),
      },
    ],
    history: {
      ours: 30,
      baseline: 25,
      extra: [{ type: 'UpsertWorkflowSearchAttributes', perRun: 3 }],
      fewer: [],
      unusual: { ours: { runs: 0, of: 1, difference: {} }, baseline: { runs: 0, of: 1, difference: {} } },
    },
    signals: {
      rate: 200,
      saturation: { gateway: 400, direct: 420, bareExpress: 5000 },
      gatewayP99Ms: r(12),
      directP99Ms: r(10),
      p99Ratio: r(1.2),
    },
    doubleConfirms: 0,
  };
}
