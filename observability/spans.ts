/**
 * Our own spans, through the OpenTelemetry API only: no-ops until observability/tracing.ts registers a
 * provider, so the code that makes them (gateway, Bank 131 client) costs nothing with tracing off.
 */
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { RequestHandler, Response } from 'express';

const tracer = () => trace.getTracer('bank131-payouts');

/**
 * Express middleware: one SERVER span per request on `route`, current for everything the request does
 * (body parsing, signals). The bank is outside our trust boundary, so an incoming `traceparent` is ignored:
 * each webhook starts its own trace.
 */
export function httpServerSpan(route: string): RequestHandler {
  return (req, res, next) => {
    const span = tracer().startSpan(`${req.method} ${route}`, {
      kind: SpanKind.SERVER,
      root: true,
      attributes: { 'http.request.method': req.method, 'http.route': route },
    });
    res.locals.span = span;
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    const ctx = trace.setSpan(context.active(), span);
    // Body-parser's stream listeners run in the request's context only when the emitters are bound.
    context.bind(ctx, req);
    context.bind(ctx, res);
    context.with(ctx, next);
  };
}

/** The request's server span, when httpServerSpan started one (a no-op span when tracing is off). */
export function requestSpan(res: Response): Span | undefined {
  return res.locals.span as Span | undefined;
}

/** A CLIENT span for one Bank 131 API call, child of the running activity. */
export function startBankCallSpan(endpoint: string): Span {
  return tracer().startSpan(`bank131 ${endpoint}`, {
    kind: SpanKind.CLIENT,
    attributes: { 'bank131.endpoint': endpoint, 'http.request.method': 'POST' },
  });
}

/** Ends a bank call span with what the call came to; anything but `ok` is an error. */
export function endBankCallSpan(span: Span, outcome: string, httpStatus?: number): void {
  span.setAttribute('bank131.outcome', outcome);
  if (httpStatus !== undefined) span.setAttribute('http.response.status_code', httpStatus);
  if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
  span.end();
}
