/**
 * Tracing, from the standard OpenTelemetry variables (read here once, like every other setting). Off unless
 * `OTEL_TRACES_EXPORTER` names an exporter: the OpenTelemetry default (`otlp`) would make every process
 * without a collector retry exports forever.
 */
import { z } from 'zod';
import { ConfigError, parse } from './env';

export const TRACES_EXPORTERS = ['none', 'otlp', 'console'] as const;
export type TracesExporter = (typeof TRACES_EXPORTERS)[number];

export interface TracingConfig {
  exporter: TracesExporter;
  serviceName: string;
  /** Full OTLP/HTTP traces URL (…/v1/traces). */
  otlpTracesUrl: string;
  otlpHeaders: Record<string, string>;
  /** Fraction of new traces kept (parent-based: a sampled webhook keeps its whole trace). */
  sampleRatio: number;
}

const TracingSchema = z.object({
  OTEL_SDK_DISABLED: z.enum(['true', 'false', '']).default('false'),
  OTEL_TRACES_EXPORTER: z.enum(TRACES_EXPORTERS).default('none'),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().default('http://localhost:4318'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_HEADERS: z.string().default(''),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
});

/** `key=value,key2=value2`, values URL-encoded (the OpenTelemetry spec's format). */
function parseHeaders(raw: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new ConfigError(
        `invalid OTEL_EXPORTER_OTLP_HEADERS entry "${pair.split('=')[0]}": use key=value`,
      );
    headers[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return headers;
}

/** `defaultServiceName` names the process when `OTEL_SERVICE_NAME` does not. */
export function loadTracingConfig(env: NodeJS.ProcessEnv, defaultServiceName: string): TracingConfig {
  const t = parse(TracingSchema, env, 'tracing');
  return {
    exporter: t.OTEL_SDK_DISABLED === 'true' ? 'none' : t.OTEL_TRACES_EXPORTER,
    serviceName: t.OTEL_SERVICE_NAME ?? defaultServiceName,
    otlpTracesUrl:
      t.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
      `${t.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
    otlpHeaders: parseHeaders(t.OTEL_EXPORTER_OTLP_HEADERS),
    sampleRatio: t.OTEL_TRACES_SAMPLER_ARG,
  };
}
