/**
 * Account details never reach Temporal's history in plaintext; operators still see them decoded through
 * the codec server (what the Web UI calls).
 */
import { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec, parseCodecKeys } from '../../codec/aes-gcm-codec';
import { startCodecServer } from '../../codec/server';
import { createLogger } from '../../observability/logger';
import { payoutWorkflowId } from '../../policy/payout-request';
import type { LocalStack } from '../../harness/local-stack';
import { accountRequest, startTestStack, TEST_CODEC_KEYS, uniquePayoutId } from '../helpers/stack';

const ACCOUNT = '40817810099910004312';
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

describe('payload encryption', () => {
  it("keeps the bank's refusal (failure message and stack) out of the raw history too", async () => {
    const payoutId = uniquePayoutId('codec-failure');
    stack.simulator.setScenario(payoutWorkflowId(payoutId), 'init_rejected');
    await stack.payouts.startPayout(accountRequest(payoutId));
    expect((await stack.payouts.result(payoutId)).outcome).toBe('failed');
    const raw = new Client({ connection: stack.connection });
    const text = historyToJSON(await raw.workflow.getHandle(payoutWorkflowId(payoutId)).fetchHistory());
    expect(text).toContain('ACTIVITY_TASK_FAILED');
    for (const secret of ['operation_rejected', 'rejected by the simulated bank', 'Bank131Client']) {
      expect(text).not.toContain(secret);
    }
    // The client, with the codec, still reads the failure.
    const { state } = await stack.payouts.getPayout(payoutId);
    expect(state.bankError?.code).toBe('operation_rejected');
  });

  it('keeps the account number and name out of the raw history, and the codec server decodes them', async () => {
    const payoutId = uniquePayoutId('codec');
    await stack.payouts.startPayout(accountRequest(payoutId));
    expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');

    // A client without the codec sees what the server stores.
    const raw = new Client({ connection: stack.connection });
    const history = await raw.workflow.getHandle(payoutWorkflowId(payoutId)).fetchHistory();
    const text = historyToJSON(history);
    for (const secret of [ACCOUNT, 'Иванов', 'Выплата по договору']) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(Buffer.from(secret).toString('base64').slice(0, 16));
    }
    expect(text).toContain(Buffer.from('binary/encrypted').toString('base64'));

    const codecServer = await startCodecServer({
      codec: new AesGcmPayloadCodec(parseCodecKeys(TEST_CODEC_KEYS)),
      authToken: 'integration-test-token-123',
      corsOrigins: [],
      logger: createLogger('codec', 'silent'),
      host: '127.0.0.1',
      port: 0,
    });
    try {
      const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      const body = {
        payloads: [
          {
            metadata: Object.fromEntries(
              Object.entries(input?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
            ),
            data: Buffer.from(input?.data ?? []).toString('base64'),
          },
        ],
      };
      const res = await fetch(`${codecServer.url}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer integration-test-token-123' },
        body: JSON.stringify(body),
      });
      const decoded = (await res.json()) as { payloads: { data: string }[] };
      const plain = Buffer.from(decoded.payloads[0]!.data, 'base64').toString('utf8');
      expect(plain).toContain(ACCOUNT);
      expect(plain).toContain('Иванов');
    } finally {
      await codecServer.close();
    }
  });
});
