/**
 * OpenTelemetry tracing for every process, set up once from its config (config/tracing.ts). One trace runs
 * webhook (the gateway's server span) → signal (client interceptor) → the workflow's signal handler and the
 * step it causes (workflow interceptors, in the bundle) → activity (activity interceptor) → Bank 131 call
 * (bank131/client.ts). Off by default: no provider is registered, so every span is the API's no-op and the
 * interceptors are not installed; only the workflow bundle's interceptor runs, into a sink that drops.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { TracingConfig } from '../config/tracing';

/**
 * The workflow interceptor module: it must be in every workflow bundle (workers/workflows-entry.ts), tracing
 * on or off, so that one bundle serves both and replays the same.
 */
export const WORKFLOW_TRACING_INTERCEPTORS =
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

export interface Tracing {
  readonly enabled: boolean;
  /** For every Temporal client of the process: the active trace goes into start/signal/update headers. */
  readonly clientInterceptors: ClientInterceptors;
  /** Activity spans, children of the workflow's "StartActivity" span. */
  readonly workerInterceptors: Pick<WorkerInterceptors, 'activity'>;
  /** Where the bundle's workflow interceptor sends its spans: every worker must register it. */
  readonly sinks: InjectedSinks<OpenTelemetrySinks>;
  /** Exports what is buffered (tests, and before exit). */
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Tracing off: what a worker still needs for the bundle's workflow interceptor. */
export const NO_TRACING: Tracing = {
  enabled: false,
  clientInterceptors: {},
  workerInterceptors: {},
  sinks: { exporter: { export: { fn: () => undefined, callDuringReplay: false } } },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

function exporterFor(config: TracingConfig): SpanExporter | undefined {
  switch (config.exporter) {
    case 'otlp':
      return new OTLPTraceExporter({ url: config.otlpTracesUrl, headers: config.otlpHeaders });
    case 'console':
      return new ConsoleSpanExporter();
    case 'none':
      return undefined;
  }
}

/**
 * Registers the process's tracer provider (global: one per process) when the config names an exporter;
 * `exporter` replaces the configured one (tests use an in-memory exporter).
 */
export function startTracing(config: TracingConfig, options: { exporter?: SpanExporter } = {}): Tracing {
  const exporter = options.exporter ?? exporterFor(config);
  if (!exporter) return NO_TRACING;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: config.serviceName });
  const processor = new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [processor],
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
  });
  // AsyncLocalStorage context and W3C trace-context propagation, which the Temporal interceptors use.
  provider.register();
  return {
    enabled: true,
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    workerInterceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(processor, resource) },
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
