/** Metric names: what a Prometheus endpoint exports, and what a PromQL expression reads. */

/** Every series name on a /metrics page (histograms give `_bucket`, `_sum`, `_count`), and the TYPE'd families. */
export async function scrapedMetricNames(url: string): Promise<Set<string>> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const names = new Set<string>();
  for (const line of (await res.text()).split('\n')) {
    const typed = /^# TYPE ([a-zA-Z_:][\w:]*) (\w+)/.exec(line);
    if (typed) {
      const [, name, type] = typed;
      names.add(name!);
      // prom-client lists a histogram family before it has samples: its series names are known.
      if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${name}${s}`);
      continue;
    }
    const sample = /^([a-zA-Z_:][\w:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}

const NOT_METRICS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression selects (label matchers, groupings, ranges and functions left out). */
export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\$\{?\w+\}?/g, '1m')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)) {
    const name = m[1]!;
    if (!NOT_METRICS.has(name.toLowerCase()) && !/^\d/.test(name)) names.add(name);
  }
  return [...names];
}
