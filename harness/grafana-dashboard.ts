/**
 * Our rendering of a provisioned Grafana dashboard, NOT Grafana: Grafana cannot run on the test machines (no
 * Debian package, no container engine, and it is AGPL, so we do not build it). This takes the dashboard JSON as
 * it is, substitutes the variables Grafana would ($__rate_interval, $__interval, $__range, the dashboard's own
 * template variables), runs every target's PromQL against a real Prometheus over its HTTP API (query_range for
 * time series, an instant query for stat panels) and draws each panel in the dashboard's gridPos layout as SVG.
 * Test harness only: the dashboard test asserts every query has data and screenshots this page.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const DEPLOYED_DASHBOARD = path.resolve(
  __dirname,
  '../deploy/observability/grafana/dashboards/payouts.json',
);

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}
export interface Target {
  refId?: string;
  expr?: string;
  legendFormat?: string;
  instant?: boolean;
  hide?: boolean;
}
export interface Threshold {
  color: string;
  value: number | null;
}
export interface Panel {
  id?: number;
  type: string;
  title: string;
  gridPos: GridPos;
  targets?: Target[];
  interval?: string;
  maxDataPoints?: number;
  fieldConfig?: {
    defaults?: {
      unit?: string;
      thresholds?: { steps?: Threshold[] };
      custom?: { fillOpacity?: number; stacking?: { mode?: string } };
    };
  };
  options?: { legend?: { placement?: string; calcs?: string[] } };
  panels?: Panel[];
}
export interface TemplateVariable {
  name: string;
  type: string;
  query?: string;
  includeAll?: boolean;
  current?: { value?: string | string[] };
}
export interface Dashboard {
  title: string;
  panels: Panel[];
  templating?: { list?: TemplateVariable[] };
}

export function loadDashboard(file = DEPLOYED_DASHBOARD): Dashboard {
  return JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
}

/** Every panel that draws data, rows' collapsed children included, in reading order. */
export function dataPanels(dashboard: Dashboard): Panel[] {
  const all = dashboard.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));
  return all.filter((p) => (p.targets ?? []).some((t) => t.expr && !t.hide));
}

// ---------------------------------------------------------------------------------------------------------------
// Variables, as Grafana computes them (public/app/features/dashboard and the Prometheus datasource)

const GRID_COLUMNS = 24;

function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`cannot read the interval "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  return Number(m[1]) * unit;
}

/** A Prometheus duration for a number of milliseconds. */
function promDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`;
}

export interface QueryWindow {
  fromMs: number;
  toMs: number;
  /** The datasource's scrape interval (Grafana's "Scrape interval" setting, `timeInterval`); 15 s by default. */
  scrapeIntervalSeconds: number;
  /** Width of the whole dashboard in pixels: a panel's max data points default to its width. */
  dashboardWidthPx: number;
}

/**
 * $__interval is the range over the panel's data points (its width in pixels unless maxDataPoints), never below
 * the min interval (the panel's `interval`, else the scrape interval); Grafana rounds it to a "nice" value, we
 * round up to whole seconds. $__rate_interval = max($__interval + scrape interval, 4 × scrape interval).
 */
export function builtInVariables(
  panel: Panel,
  window: QueryWindow,
): Record<string, string> & { stepMs: string } {
  const rangeMs = window.toMs - window.fromMs;
  const scrapeMs = window.scrapeIntervalSeconds * 1000;
  const widthPx = Math.round((panel.gridPos.w / GRID_COLUMNS) * window.dashboardWidthPx);
  const maxDataPoints = panel.maxDataPoints ?? Math.max(widthPx, 1);
  const minIntervalMs = panel.interval ? parseDuration(panel.interval) : scrapeMs;
  const intervalMs = Math.max(Math.ceil(rangeMs / maxDataPoints / 1000) * 1000, minIntervalMs);
  const rateIntervalMs = Math.max(intervalMs + scrapeMs, 4 * scrapeMs);
  const rangeS = Math.round(rangeMs / 1000);
  return {
    __interval: promDuration(intervalMs),
    __interval_ms: String(intervalMs),
    __rate_interval: promDuration(rateIntervalMs),
    __rate_interval_ms: String(rateIntervalMs),
    __range: `${rangeS}s`,
    __range_s: String(rangeS),
    __range_ms: String(rangeMs),
    stepMs: String(intervalMs),
  };
}

/** The value a dashboard variable has, as Grafana puts it into PromQL (multi values and All as a regex). */
function templateValue(v: TemplateVariable): string {
  const value = v.current?.value ?? v.query ?? '';
  const values = Array.isArray(value) ? value : [value];
  if (values.includes('$__all')) return '.+';
  return values.length === 1 ? values[0]! : `(${values.join('|')})`;
}

/** Replaces $name, ${name}, ${name:fmt} and [[name]]; throws on a variable neither Grafana's nor the dashboard's. */
export function interpolate(expr: string, dashboard: Dashboard, builtIns: Record<string, string>): string {
  const vars: Record<string, string> = { ...builtIns };
  for (const v of dashboard.templating?.list ?? []) vars[v.name] = templateValue(v);
  return expr.replace(
    /\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g,
    (whole, a?: string, b?: string, c?: string) => {
      const name = (a ?? b ?? c)!;
      const value = vars[name];
      if (value === undefined)
        throw new Error(`the query uses ${whole}, which neither Grafana nor the dashboard defines`);
      return value;
    },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Queries against Prometheus

export interface Series {
  labels: Record<string, string>;
  legend: string;
  /** [unix ms, value]; NaN where Prometheus answered NaN (Grafana leaves a gap). */
  points: [number, number][];
}
export interface TargetResult {
  refId: string;
  expr: string;
  /** The PromQL sent, variables substituted. */
  query: string;
  series: Series[];
  error?: string;
}
export interface PanelResult {
  panel: Panel;
  targets: TargetResult[];
}

function legendFor(format: string | undefined, labels: Record<string, string>): string {
  if (format && format !== '__auto')
    return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, l: string) => labels[l] ?? '');
  const { __name__: name, ...rest } = labels;
  const inner = Object.entries(rest)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
  return inner ? `${name ?? ''}{${inner}}` : (name ?? 'value');
}

interface PromAnswer {
  status: string;
  error?: string;
  data?: {
    resultType: string;
    result: { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[];
  };
}

async function promQuery(url: string, params: Record<string, string>): Promise<PromAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return (await res.json()) as PromAnswer;
}

/** Runs every visible target of every data panel: stat panels (and `instant` targets) at `toMs`, the rest over the window. */
export async function queryDashboard(
  prometheusUrl: string,
  dashboard: Dashboard,
  window: QueryWindow,
): Promise<PanelResult[]> {
  const results: PanelResult[] = [];
  for (const panel of dataPanels(dashboard)) {
    const builtIns = builtInVariables(panel, window);
    const instant = panel.type === 'stat' || panel.type === 'gauge' || panel.type === 'bargauge';
    const targets: TargetResult[] = [];
    for (const t of panel.targets ?? []) {
      if (!t.expr || t.hide) continue;
      const refId = t.refId ?? String.fromCharCode(65 + targets.length);
      let query = t.expr;
      try {
        query = interpolate(t.expr, dashboard, builtIns);
        const answer =
          instant || t.instant
            ? await promQuery(`${prometheusUrl}/api/v1/query`, { query, time: String(window.toMs / 1000) })
            : await promQuery(`${prometheusUrl}/api/v1/query_range`, {
                query,
                start: String(window.fromMs / 1000),
                end: String(window.toMs / 1000),
                step: String(Number(builtIns.stepMs) / 1000),
              });
        if (answer.status !== 'success' || !answer.data)
          throw new Error(answer.error ?? 'no data in the answer');
        const series = answer.data.result.map((r) => ({
          labels: r.metric,
          legend: legendFor(t.legendFormat, r.metric),
          points: (r.values ?? (r.value ? [r.value] : [])).map(
            ([ts, v]) => [ts * 1000, Number(v)] as [number, number],
          ),
        }));
        targets.push({ refId, expr: t.expr, query, series });
      } catch (err) {
        targets.push({ refId, expr: t.expr, query, series: [], error: (err as Error).message });
      }
    }
    results.push({ panel, targets });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------------------
// Drawing: Grafana's dark theme, classic palette, 24-column grid of 30 px rows with 8 px gutters

const ROW_PX = 30;
const GUTTER_PX = 8;
const PALETTE = [
  '#73BF69',
  '#F2CC0C',
  '#8AB8FF',
  '#FF780A',
  '#F2495C',
  '#5794F2',
  '#B877D9',
  '#FADE2A',
  '#37872D',
];
const COLORS: Record<string, string> = {
  green: '#73BF69',
  red: '#F2495C',
  yellow: '#FADE2A',
  orange: '#FF9830',
  blue: '#5794F2',
};

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function trimNumber(n: number): string {
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return String(Number(n.toFixed(digits)));
}

/** A value in the panel's unit, as Grafana's value formats write it (the few units the dashboard uses). */
export function formatValue(value: number, unit = 'short'): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : String(value);
  if (unit === 'percentunit') return `${trimNumber(value * 100)}%`;
  if (unit === 'ms' || unit === 's') {
    const ms = unit === 's' ? value * 1000 : value;
    if (Math.abs(ms) >= 60_000) return `${trimNumber(ms / 60_000)} min`;
    if (Math.abs(ms) >= 1000) return `${trimNumber(ms / 1000)} s`;
    if (Math.abs(ms) >= 1 || ms === 0) return `${trimNumber(ms)} ms`;
    return `${trimNumber(ms * 1000)} µs`;
  }
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${trimNumber(value / 1e6)} Mil`;
  if (abs >= 1e3) return `${trimNumber(value / 1e3)} K`;
  return trimNumber(value);
}

function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function lastNotNull(points: [number, number][]): number {
  for (let i = points.length - 1; i >= 0; i -= 1) if (Number.isFinite(points[i]![1])) return points[i]![1];
  return NaN;
}

function drawTimeSeries(result: PanelResult, width: number, height: number, window: QueryWindow): string {
  const { panel } = result;
  const unit = panel.fieldConfig?.defaults?.unit ?? 'short';
  const fill = (panel.fieldConfig?.defaults?.custom?.fillOpacity ?? 0) / 100;
  const stacked = panel.fieldConfig?.defaults?.custom?.stacking?.mode === 'normal';
  const series = result.targets.flatMap((t) => t.series);
  if (series.length === 0) return noData(result, width, height);

  // Stacking adds each series on top of the ones before, point by point (by timestamp).
  const drawn = series.map((s) => ({ ...s, points: s.points.map(([t, v]) => [t, v] as [number, number]) }));
  if (stacked) {
    const below = new Map<number, number>();
    for (const s of drawn)
      s.points = s.points.map(([t, v]) => {
        if (!Number.isFinite(v)) return [t, v];
        const sum = (below.get(t) ?? 0) + v;
        below.set(t, sum);
        return [t, sum];
      });
  }
  const legendRight = (panel.options?.legend?.placement ?? 'bottom') === 'right';
  const legendWidth = legendRight ? Math.min(260, Math.round(width * 0.42)) : 0;
  const legendHeight = legendRight ? 0 : Math.min(18 * series.length + 8, Math.round(height * 0.4));
  const plotW = width - legendWidth - 70;
  const plotH = height - legendHeight - 28;
  const x0 = 58;
  const y0 = 8;
  const values = drawn.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  let min = Math.min(0, ...values);
  let max = Math.max(...values, min);
  if (max - min < 1e-9) max = min + 1; // a flat line: an axis from 0 to 1, as Grafana draws one
  const step = niceStep(max - min, 4);
  min = Math.floor(min / step) * step;
  max = Math.ceil(max / step) * step;
  const sx = (t: number) => x0 + ((t - window.fromMs) / (window.toMs - window.fromMs)) * plotW;
  const sy = (v: number) => y0 + plotH - ((v - min) / (max - min)) * plotH;

  const parts: string[] = [];
  for (let v = min; v <= max + step / 2; v += step) {
    parts.push(
      `<line x1="${x0}" x2="${x0 + plotW}" y1="${sy(v)}" y2="${sy(v)}" stroke="#2c3235"/>`,
      `<text x="${x0 - 6}" y="${sy(v) + 4}" text-anchor="end">${escapeHtml(formatValue(v, unit))}</text>`,
    );
  }
  const tickCount = Math.max(1, Math.floor(plotW / 90));
  for (let i = 0; i <= tickCount; i += 1) {
    const t = window.fromMs + ((window.toMs - window.fromMs) * i) / tickCount;
    parts.push(
      `<text x="${sx(t)}" y="${y0 + plotH + 16}" text-anchor="${i === 0 ? 'start' : i === tickCount ? 'end' : 'middle'}">${clock(t)}</text>`,
      `<line x1="${sx(t)}" x2="${sx(t)}" y1="${y0}" y2="${y0 + plotH}" stroke="#22252b"/>`,
    );
  }
  drawn.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    // A run of finite points is one line; NaN breaks it, as Grafana leaves gaps.
    const runs: [number, number][][] = [[]];
    for (const p of s.points) {
      if (Number.isFinite(p[1])) runs[runs.length - 1]!.push(p);
      else if (runs[runs.length - 1]!.length) runs.push([]);
    }
    for (const run of runs.filter((r) => r.length > 0)) {
      const line = run.map(([t, v]) => `${sx(t).toFixed(1)},${sy(v).toFixed(1)}`).join(' ');
      if (fill > 0 && run.length > 1) {
        const base = sy(Math.max(min, 0));
        parts.push(
          `<polygon points="${sx(run[0]![0]).toFixed(1)},${base} ${line} ${sx(run[run.length - 1]![0]).toFixed(1)},${base}" fill="${color}" fill-opacity="${fill}"/>`,
        );
      }
      parts.push(
        run.length > 1
          ? `<polyline points="${line}" fill="none" stroke="${color}" stroke-width="1.5"/>`
          : `<circle cx="${sx(run[0]![0])}" cy="${sy(run[0]![1])}" r="2" fill="${color}"/>`,
      );
    }
  });
  const svg = `<svg width="${width - legendWidth}" height="${height - legendHeight}">${parts.join('')}</svg>`;
  const rows = series
    .map(
      (s, i) =>
        `<tr><td><span class="swatch" style="background:${PALETTE[i % PALETTE.length]}"></span>${escapeHtml(s.legend)}</td>` +
        `<td class="num">${escapeHtml(formatValue(lastNotNull(s.points), unit))}</td></tr>`,
    )
    .join('');
  const legend = `<table class="legend"><tr><th></th><th class="num">Last *</th></tr>${rows}</table>`;
  return `<div class="ts ${legendRight ? 'right' : 'bottom'}">${svg}<div class="legend-box" style="${legendRight ? `width:${legendWidth}px` : `height:${legendHeight}px`}">${legend}</div></div>`;
}

function noData(result: PanelResult, width: number, height: number): string {
  const errors = result.targets.filter((t) => t.error).map((t) => `${t.refId}: ${t.error}`);
  return `<div class="nodata" style="width:${width}px;height:${height}px">No data${errors.length ? `<small>${escapeHtml(errors.join('; '))}</small>` : ''}</div>`;
}

function thresholdColor(value: number, steps: Threshold[] | undefined): string {
  let color = 'green';
  for (const s of steps ?? []) if (s.value === null || value >= s.value) color = s.color;
  return COLORS[color] ?? color;
}

function drawStat(result: PanelResult, width: number, height: number): string {
  const series = result.targets.flatMap((t) => t.series);
  if (series.length === 0) return noData(result, width, height);
  const { defaults } = result.panel.fieldConfig ?? {};
  const cellH = height / series.length;
  return series
    .map((s) => {
      const value = lastNotNull(s.points);
      const bg = thresholdColor(value, defaults?.thresholds?.steps);
      const label = series.length > 1 ? `<div class="stat-label">${escapeHtml(s.legend)}</div>` : '';
      return `<div class="stat" style="height:${cellH - 4}px;background:${bg}">${label}<div class="stat-value" style="font-size:${Math.min(64, cellH * 0.45)}px">${escapeHtml(formatValue(value, defaults?.unit))}</div></div>`;
    })
    .join('');
}

/** The whole page: a banner that says what this is, then each panel at its gridPos. */
export function renderDashboardHtml(
  dashboard: Dashboard,
  results: PanelResult[],
  window: QueryWindow & { prometheusUrl: string },
): string {
  const colPx = (window.dashboardWidthPx - (GRID_COLUMNS - 1) * GUTTER_PX) / GRID_COLUMNS;
  const place = (g: GridPos) => ({
    left: g.x * (colPx + GUTTER_PX),
    top: g.y * (ROW_PX + GUTTER_PX),
    width: g.w * colPx + (g.w - 1) * GUTTER_PX,
    height: g.h * ROW_PX + (g.h - 1) * GUTTER_PX,
  });
  const byPanel = new Map(results.map((r) => [r.panel, r]));
  let bottom = 0;
  const panels = dashboard.panels.flatMap((p) => (p.type === 'row' ? [p, ...(p.panels ?? [])] : [p]));
  const html = panels.map((panel) => {
    const box = place(panel.gridPos);
    bottom = Math.max(bottom, box.top + box.height);
    const style = `left:${box.left}px;top:${box.top}px;width:${box.width}px;height:${box.height}px`;
    if (panel.type === 'row') return `<div class="row" style="${style}">⌄ ${escapeHtml(panel.title)}</div>`;
    const result = byPanel.get(panel) ?? { panel, targets: [] };
    const bodyW = box.width - 16;
    const bodyH = box.height - 36;
    const body =
      panel.type === 'stat'
        ? drawStat(result, bodyW, bodyH)
        : panel.type === 'timeseries'
          ? drawTimeSeries(result, bodyW, bodyH, window)
          : `<div class="nodata">panel type ${escapeHtml(panel.type)} is not drawn by this harness</div>`;
    return `<div class="panel" style="${style}"><div class="title">${escapeHtml(panel.title)}</div><div class="body">${body}</div></div>`;
  });
  const when = `${new Date(window.fromMs).toISOString().slice(0, 19)}Z – ${clock(window.toMs)}Z`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(dashboard.title)} (harness rendering)</title><style>
body{margin:0;background:#111217;color:#ccccdc;font:13px/1.3 Inter,Helvetica,Arial,sans-serif}
.banner{padding:10px 16px;background:#1f2a3d;border-bottom:2px solid #5794F2;font-size:13px}
.banner b{color:#fff;font-size:16px;margin-right:8px}
.grid{position:relative;margin:12px 16px;width:${window.dashboardWidthPx}px;height:${bottom}px}
.panel{position:absolute;background:#181b1f;border:1px solid #2c3235;border-radius:2px;box-sizing:border-box;overflow:hidden}
.title{height:28px;line-height:28px;padding:0 8px;font-weight:500;color:#ccccdc;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.body{padding:0 8px}
.row{position:absolute;font-size:16px;font-weight:500;color:#fff;line-height:30px}
svg text{fill:#9fa7b3;font-size:11px}
.ts.right{display:flex}.legend-box{overflow:hidden;font-size:12px}
.legend{border-collapse:collapse;width:100%}.legend td,.legend th{padding:1px 4px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:200px}
.legend th{color:#6e9fff;font-weight:500}.num{text-align:right}
.swatch{display:inline-block;width:14px;height:4px;margin-right:6px;vertical-align:middle;border-radius:2px}
.stat{display:flex;flex-direction:column;justify-content:center;align-items:center;margin-bottom:4px;border-radius:2px;color:#fff}
.stat-value{font-weight:500}.stat-label{font-size:13px}
.nodata{display:flex;flex-direction:column;justify-content:center;align-items:center;color:#8e8e8e;font-size:16px}
.nodata small{font-size:11px;color:#F2495C;max-width:90%}
</style></head><body>
<div class="banner"><b>${escapeHtml(dashboard.title)}</b>Harness rendering, not Grafana: harness/grafana-dashboard.ts drew the provisioned
dashboard's panels, layout and PromQL (variables substituted as Grafana does) with data from a real Prometheus, ${escapeHtml(when)}, scrape interval ${window.scrapeIntervalSeconds} s.</div>
<div class="grid">${html.join('\n')}</div></body></html>`;
}
