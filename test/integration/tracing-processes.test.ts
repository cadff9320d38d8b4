/**
 * Tracing as deployed: the worker and the gateway run as their own processes with only the OTEL_*
 * variables set, and export over OTLP/HTTP to a receiver on loopback (this test). The webhook's trace
 * crosses both processes: gateway span and signal in one, the workflow's handler, the activity and the
 * bank call in the other.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnGateway, spawnWorker, type ChildService } from '../../harness/child-services';
import { freePort } from '../../harness/dev-server';
import type { LocalStack } from '../../harness/local-stack';
import { payoutWorkflowId } from '../../policy/payout-request';
import { accountRequest, startTestStack, uniquePayoutId, waitFor } from '../helpers/stack';

interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}

interface OtlpJson {
  resourceSpans: {
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: {
      spans: {
        name: string;
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        attributes?: OtlpAttribute[];
      }[];
    }[];
  }[];
}
type OtlpAttribute = { key: string; value: Record<string, unknown> };

const attributes = (list: OtlpAttribute[] = []) =>
  Object.fromEntries(list.map((a) => [a.key, Object.values(a.value)[0]]));

/** A minimal OTLP/HTTP JSON traces endpoint: what a collector would receive. */
function startReceiver(spans: ReceivedSpan[]): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const { resourceSpans } = JSON.parse(body) as OtlpJson;
        for (const rs of resourceSpans) {
          const service = String(attributes(rs.resource.attributes)['service.name']);
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans)
              spans.push({
                service,
                name: s.name,
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId || undefined,
                attributes: attributes(s.attributes),
              });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const received: ReceivedSpan[] = [];
let receiver: Server;
let stack: LocalStack;
let worker: ChildService | undefined;
let gateway: ChildService | undefined;

beforeAll(async () => {
  receiver = await startReceiver(received);
  const otel = {
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  const gatewayPort = await freePort();
  stack = await startTestStack({
    withoutWorker: true,
    withoutGateway: true,
    webhookUrl: `http://127.0.0.1:${gatewayPort}/webhooks/bank131`,
  });
  [gateway, worker] = await Promise.all([
    spawnGateway(stack, gatewayPort, otel),
    spawnWorker(stack, inject('workflowBundlePath'), otel),
  ]);
});
afterAll(async () => {
  await Promise.all([worker?.stop(), gateway?.stop()]);
  await stack?.stop();
  await new Promise((r) => receiver?.close(r));
});

function lineage(span: ReceivedSpan): ReceivedSpan[] {
  const chain = [span];
  for (let s = span; s.parentSpanId;) {
    const parent = received.find((p) => p.spanId === s.parentSpanId);
    if (!parent) return chain;
    chain.unshift(parent);
    s = parent;
  }
  return chain;
}

describe('tracing across the worker and gateway processes', () => {
  it('exports one trace from the webhook in the gateway to the bank call in the worker', async () => {
    const payoutId = uniquePayoutId('traced-processes');
    await stack.payouts.startPayout(accountRequest(payoutId));
    expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');
    const workflowId = payoutWorkflowId(payoutId);

    const chain = await waitFor(() => {
      const confirm = received.find(
        (s) =>
          s.name === 'bank131 session/confirm' &&
          lineage(s).some((p) => p.attributes['temporal.workflow_id'] === workflowId),
      );
      return confirm && lineage(confirm);
    }, 'the confirm call in the webhook trace');

    expect(chain.map((s) => [s.service, s.name])).toEqual([
      ['bank131-webhook-gateway', 'POST /webhooks/bank131'],
      ['bank131-webhook-gateway', 'SignalWorkflow:ready_to_confirm'],
      ['bank131-payout-worker', 'HandleSignal:ready_to_confirm'],
      ['bank131-payout-worker', 'StartActivity:confirmPayout'],
      ['bank131-payout-worker', 'RunActivity:confirmPayout'],
      ['bank131-payout-worker', 'bank131 session/confirm'],
    ]);
    expect(new Set(chain.map((s) => s.traceId)).size).toBe(1);
    expect(chain[0]!.parentSpanId).toBeUndefined();
  });
});
