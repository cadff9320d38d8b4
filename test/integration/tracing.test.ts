/**
 * One payout on the real dev server with tracing on (in-memory exporter, the whole stack in this process):
 * the `ready_to_confirm` webhook's HTTP span is the root of one trace that runs through the signal, the
 * workflow's handler, the confirm activity it caused and the Bank 131 call; the start has its own trace down
 * to `session/init/payout`.
 */
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTracingConfig } from '../../config';
import type { LocalStack } from '../../harness/local-stack';
import { startTracing, type Tracing } from '../../observability/tracing';
import { accountRequest, startTestStack, uniquePayoutId, waitFor } from '../helpers/stack';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let stack: LocalStack;

beforeAll(async () => {
  tracing = startTracing(loadTracingConfig({}, 'tracing-test'), { exporter });
  stack = await startTestStack({ tracing });
});
afterAll(async () => {
  await stack?.stop();
  await tracing?.shutdown();
});

/** Span names from the trace's root down to `span`, following parent IDs; throws on a broken link. */
function lineage(span: ReadableSpan, spans: ReadableSpan[]): ReadableSpan[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const chain = [span];
  for (let s = span; s.parentSpanId;) {
    const parent = byId.get(s.parentSpanId);
    if (!parent) throw new Error(`${s.name}: parent ${s.parentSpanId} was not exported`);
    chain.unshift(parent);
    s = parent;
  }
  return chain;
}

/** The span named `name` whose lineage contains a span satisfying `under`. */
function findUnder(spans: ReadableSpan[], name: string, under: (s: ReadableSpan) => boolean) {
  return spans.find((s) => s.name === name && lineage(s, spans).some(under));
}

describe('tracing', () => {
  it('one trace runs webhook → signal → workflow → activity → bank call', async () => {
    const payoutId = uniquePayoutId('traced');
    await stack.payouts.startPayout(accountRequest(payoutId));
    expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');
    const workflowId = `payout-${payoutId}`;
    const isReadyWebhook = (s: ReadableSpan) =>
      s.kind === SpanKind.SERVER &&
      s.attributes['bank131.webhook.type'] === 'ready_to_confirm' &&
      s.attributes['temporal.workflow_id'] === workflowId;

    const { spans, confirmCall } = await waitFor(async () => {
      await tracing.forceFlush();
      const spans = exporter.getFinishedSpans();
      const confirmCall = findUnder(spans, 'bank131 session/confirm', isReadyWebhook);
      return confirmCall && { spans, confirmCall };
    }, 'the confirm call in the webhook trace');

    const chain = lineage(confirmCall, spans);
    expect(chain.map((s) => s.name)).toEqual([
      'POST /webhooks/bank131',
      'SignalWorkflow:ready_to_confirm',
      'HandleSignal:ready_to_confirm',
      'StartActivity:confirmPayout',
      'RunActivity:confirmPayout',
      'bank131 session/confirm',
    ]);
    expect(new Set(chain.map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(chain[0]!.parentSpanId).toBeUndefined();
    expect(chain[0]!.attributes).toMatchObject({
      'http.response.status_code': 200,
      'webhook.outcome': 'signalled',
    });
    // Temporal's interceptors make INTERNAL spans; ours are the HTTP server and the bank client.
    expect(chain[0]!.kind).toBe(SpanKind.SERVER);
    expect(confirmCall.kind).toBe(SpanKind.CLIENT);
    expect(chain[4]!.attributes.temporalWorkflowId).toBe(workflowId);
    expect(confirmCall.attributes).toMatchObject({
      'bank131.outcome': 'ok',
      'http.response.status_code': 200,
    });

    // The start is its own trace: client → workflow run → init activity → bank call.
    const initCall = findUnder(
      spans,
      'bank131 session/init/payout',
      (s) => s.name === 'RunActivity:initPayout' && s.attributes.temporalWorkflowId === workflowId,
    );
    expect(initCall).toBeDefined();
    expect(lineage(initCall!, spans).map((s) => s.name)).toEqual([
      'StartWorkflow:payoutWorkflow',
      'RunWorkflow:payoutWorkflow',
      'StartActivity:initPayout',
      'RunActivity:initPayout',
      'bank131 session/init/payout',
    ]);
  });
});
