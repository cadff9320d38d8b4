/** Tracing settings from the standard OTEL_* variables: off unless asked, and the OTLP URL as the spec builds it. */
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { loadTracingConfig } from '../../config/tracing';
import { NO_TRACING, startTracing } from '../../observability/tracing';

describe('tracing config', () => {
  it('is off by default, and off means no provider, no interceptors, a sink that drops', () => {
    const config = loadTracingConfig({}, 'bank131-payout-worker');
    expect(config).toMatchObject({ exporter: 'none', serviceName: 'bank131-payout-worker', sampleRatio: 1 });
    const tracing = startTracing(config);
    expect(tracing).toBe(NO_TRACING);
    expect(tracing.clientInterceptors).toEqual({});
    expect(tracing.workerInterceptors).toEqual({});
    // The API's no-op tracer: spans cost nothing and carry no context.
    expect(trace.getTracer('x').startSpan('y').isRecording()).toBe(false);
  });

  it('reads the OTLP endpoint, headers, service name and sampling the way the spec defines them', () => {
    const config = loadTracingConfig(
      {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_SERVICE_NAME: 'gw-eu',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.internal:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-tenant=payouts',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      },
      'bank131-webhook-gateway',
    );
    expect(config).toEqual({
      exporter: 'otlp',
      serviceName: 'gw-eu',
      otlpTracesUrl: 'https://collector.internal:4318/v1/traces',
      otlpHeaders: { authorization: 'Bearer abc', 'x-tenant': 'payouts' },
      sampleRatio: 0.25,
    });
    expect(
      loadTracingConfig(
        { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom' },
        'w',
      ).otlpTracesUrl,
    ).toBe('http://c:4318/custom');
  });

  it('OTEL_SDK_DISABLED=true wins; an unknown exporter stops the process naming the variable', () => {
    expect(loadTracingConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }, 'w').exporter).toBe(
      'none',
    );
    expect(() => loadTracingConfig({ OTEL_TRACES_EXPORTER: 'zipkin' }, 'w')).toThrow(/OTEL_TRACES_EXPORTER/);
    expect(() => loadTracingConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }, 'w')).toThrow(
      /OTEL_EXPORTER_OTLP_HEADERS/,
    );
  });
});
