/**
 * docker-compose.yml must stay in step with the config schema: every variable a process cannot start without
 * is set for its service, every variable the file reads is documented in .env.example, and the namespace
 * script registers every search attribute the code uses.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REQUIRED_ENV, type ProcessName } from '../../config';
import { SEARCH_ATTRIBUTE_CLI_ARGS } from '../../workflows/search-attributes';

const root = path.resolve(__dirname, '../..');
const composeText = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as {
  services: Record<
    string,
    { environment?: Record<string, unknown>; profiles?: string[]; volumes?: string[]; ports?: string[] }
  >;
};
const envExample = readFileSync(path.join(root, '.env.example'), 'utf8');

describe('docker-compose.yml', () => {
  const services: ProcessName[] = ['worker', 'gateway', 'simulator', 'codec-server'];

  it.each(services)('sets every variable %s cannot start without', (service) => {
    const env = compose.services[service]?.environment ?? {};
    for (const alternatives of REQUIRED_ENV[service]) {
      expect(
        alternatives.some((name) => name in env),
        `${service} needs one of ${alternatives.join(' / ')}`,
      ).toBe(true);
    }
  });

  it('documents every variable it reads in .env.example', () => {
    const used = new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
    const documented = new Set([...envExample.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]!));
    expect([...used].filter((v) => !documented.has(v))).toEqual([]);
  });

  it('registers every custom search attribute the workflows use', () => {
    const script = readFileSync(path.join(root, 'deploy/temporal/create-namespace.sh'), 'utf8');
    for (const attribute of SEARCH_ATTRIBUTE_CLI_ARGS) expect(script).toContain(attribute);
    // and exactly those: the script's default list is what the compose one-shot registers
    const defaults = /ATTRIBUTES="\$\{SEARCH_ATTRIBUTES:-([^}]*)\}"/.exec(script)?.[1];
    expect(defaults?.split(' ')).toEqual(SEARCH_ATTRIBUTE_CLI_ARGS);
  });

  describe('observability profile', () => {
    const observability = ['otel-collector', 'jaeger', 'prometheus', 'grafana'];
    const readYaml = (file: string) => parse(readFileSync(path.join(root, file), 'utf8')) as unknown;

    it('runs the collector, Jaeger, Prometheus and Grafana only under that profile, from files that exist', () => {
      for (const name of observability) {
        const service = compose.services[name];
        expect(service?.profiles, name).toEqual(['observability']);
        for (const volume of service?.volumes ?? []) {
          const source = volume.split(':')[0]!;
          if (source.startsWith('./')) expect(existsSync(path.join(root, source)), volume).toBe(true);
        }
      }
    });

    it("scrapes the ports the worker and the gateway serve metrics on (the gateway's internal one), with the alert rules loaded", () => {
      const prometheus = readYaml('deploy/observability/prometheus/prometheus.yml') as {
        rule_files: string[];
        scrape_configs: { static_configs: { targets: string[] }[] }[];
      };
      const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
      const env = (service: string, name: string) => String(compose.services[service]?.environment?.[name]);
      expect(targets).toEqual([
        `worker:${env('worker', 'WORKER_METRICS_PORT')}`,
        `gateway:${env('gateway', 'GATEWAY_INTERNAL_PORT')}`,
      ]);
      // The internal port must be reachable on the compose network, yet never published.
      expect(env('gateway', 'GATEWAY_INTERNAL_HOST')).toBe('0.0.0.0');
      expect(compose.services.gateway?.ports ?? []).not.toContainEqual(
        expect.stringContaining(env('gateway', 'GATEWAY_INTERNAL_PORT')),
      );
      expect(compose.services.prometheus?.volumes).toContain(
        `./deploy/observability/prometheus/alerts.yml:${prometheus.rule_files[0]}:ro`,
      );
    });

    it("provisions the datasource the dashboard's panels name", () => {
      const { datasources } = readYaml(
        'deploy/observability/grafana/provisioning/datasources/datasources.yaml',
      ) as {
        datasources: { uid: string; type: string }[];
      };
      const dashboard = JSON.parse(
        readFileSync(path.join(root, 'deploy/observability/grafana/dashboards/payouts.json'), 'utf8'),
      ) as { panels: { type: string; datasource?: { uid: string; type: string } }[] };
      for (const panel of dashboard.panels.filter((p) => p.type !== 'row'))
        expect(datasources).toContainEqual(expect.objectContaining(panel.datasource));
    });

    it("sends the processes' spans to the collector when tracing is turned on", () => {
      for (const service of ['worker', 'gateway']) {
        const env = compose.services[service]?.environment ?? {};
        expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
          '${OTEL_EXPORTER_OTLP_ENDPOINT:-http://otel-collector:4318}',
        );
        expect(env.OTEL_TRACES_EXPORTER).toBe('${OTEL_TRACES_EXPORTER:-none}');
      }
    });
  });

  it('does not use the deprecated auto-setup image', () => {
    expect(composeText).not.toMatch(/auto-setup/);
  });
});
