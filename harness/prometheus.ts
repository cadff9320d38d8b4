/**
 * A real Prometheus (the Debian package's /usr/bin/prometheus) on a free loopback port, scraping our processes
 * with the deployed config (deploy/observability/prometheus/prometheus.yml: its jobs, paths and rule files) with
 * the targets and the intervals replaced. Its TSDB lives in a temp dir removed on stop. Test harness only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from './dev-server';

export const DEPLOYED_PROMETHEUS_CONFIG = path.resolve(
  __dirname,
  '../deploy/observability/prometheus/prometheus.yml',
);
export const DEPLOYED_ALERT_RULES = path.resolve(__dirname, '../deploy/observability/prometheus/alerts.yml');

/** Where the Prometheus binary is: PROMETHEUS_PATH, else Debian's (`apt-get install prometheus`). */
export function prometheusBinary(): string | undefined {
  const candidate = process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus';
  return existsSync(candidate) ? candidate : undefined;
}

export interface PrometheusOptions {
  /** job_name in the deployed config → the `host:port` targets to scrape instead of the compose ones. */
  targets: Record<string, string[]>;
  scrapeIntervalSeconds?: number;
  /** Alert rule files; the deployed alerts.yml when omitted. */
  ruleFiles?: string[];
}

export interface PrometheusHandle {
  url: string;
  scrapeIntervalSeconds: number;
  output: () => string;
  stop(): Promise<void>;
}

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets: string[] }[];
  [key: string]: unknown;
}

/** The deployed config with our targets and intervals; fails if a job we were given is not in it (or one is missing). */
export function prometheusConfig(options: PrometheusOptions): string {
  const config = parse(readFileSync(DEPLOYED_PROMETHEUS_CONFIG, 'utf8')) as {
    global?: Record<string, unknown>;
    rule_files?: string[];
    scrape_configs: ScrapeConfig[];
  };
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  const jobs = config.scrape_configs.map((c) => c.job_name).sort();
  const given = Object.keys(options.targets).sort();
  if (JSON.stringify(jobs) !== JSON.stringify(given)) {
    throw new Error(
      `the deployed Prometheus config scrapes ${jobs.join(', ')}; targets given for ${given.join(', ')}`,
    );
  }
  return stringify({
    ...config,
    global: { ...config.global, scrape_interval: interval, evaluation_interval: interval },
    rule_files: options.ruleFiles ?? [DEPLOYED_ALERT_RULES],
    scrape_configs: config.scrape_configs.map((c) => ({
      ...c,
      static_configs: [{ targets: options.targets[c.job_name] }],
    })),
  });
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusHandle> {
  const binary = prometheusBinary();
  if (!binary) {
    throw new Error(
      'no Prometheus at /usr/bin/prometheus: install it (apt-get install prometheus) or set PROMETHEUS_PATH',
    );
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const onData = (d: Buffer) => {
    output = (output + d.toString()).slice(-32_768);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}`);
      const ready = await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error('prometheus was not ready in 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}:\n${output}`);
  }
  return { url, scrapeIntervalSeconds: options.scrapeIntervalSeconds ?? 1, output: () => output, stop };
}
