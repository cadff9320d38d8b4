/**
 * The trace a step belongs to. A signal handler runs in the trace of the webhook that sent it (the bundle's
 * OpenTelemetry interceptor), but the step the webhook unblocks runs later in `run()`, in the start's trace.
 * Keeping the handler's context and running the step in it makes one trace of webhook → signal → activity →
 * bank call. Spans only: no commands change. Without the interceptor (tests that bundle without it) the API's
 * no-op context manager makes both functions inert.
 */
import { context, type Context } from '@opentelemetry/api';

/** The context of the code running now (a signal handler's, when called from one). */
export function currentTraceContext(): Context {
  return context.active();
}

/** Runs `fn` in `ctx`, or as it is when there is none. */
export function inTraceOf<T>(ctx: Context | undefined, fn: () => Promise<T>): Promise<T> {
  return ctx ? context.with(ctx, fn) : fn();
}
