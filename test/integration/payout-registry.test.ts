/**
 * The payout-ID registry and velocity limits against a real PostgreSQL (Debian's, started as the postgres
 * user by harness/cluster/postgres.ts) and the real dev server: an ID whose run closed and disappeared from
 * Temporal cannot start a second money movement; an unreachable registry keeps the payout from the bank;
 * one recipient's payouts in a day are counted atomically, and the one crossing a limit waits for approval.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PayoutRegistry } from '../../activities/payout-registry';
import { PayoutIdRetiredError, PayoutsClient } from '../../client/payouts';
import { backfillRegistry } from '../../client/registry-backfill';
import { createPostgres, type Postgres } from '../../harness/cluster/postgres';
import type { LocalStack } from '../../harness/local-stack';
import { payoutWorkflowId } from '../../policy/payout-request';
import type { PayoutState } from '../../workflows/messages';
import {
  accountRequest,
  FAST_SETTINGS,
  recordHistory,
  startTestStack,
  uniquePayoutId,
  waitFor,
} from '../helpers/stack';

const VELOCITY = { maxCountPerDay: 3, maxAmountPerDay: 400_000 };
let pg: Postgres;
let dir: string;
let url: string;
let stack: LocalStack;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'payout-registry-'));
  pg = createPostgres({ dir, port: await freePort() });
  pg.start();
  url = pg.url();
  stack = await startTestStack({
    registryUrl: url,
    settings: {
      policy: { ...FAST_SETTINGS.policy, velocity: VELOCITY },
      timeouts: { ...FAST_SETTINGS.timeouts, approvalTimeoutMs: 120_000 },
    },
  });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  pg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let accounts = 0;
/** A recipient no other test pays: 40817810 + 12 digits unique to this run. */
function freshAccount(): string {
  accounts += 1;
  return `40817810${String(Date.now() % 1e8).padStart(8, '0')}${String(accounts).padStart(4, '0')}`;
}
function requestTo(account: string, payoutId: string, amount: number) {
  const base = accountRequest(payoutId, amount);
  return { ...base, recipient: { ...base.recipient, account } };
}
const bankRequests = (workflowId: string) =>
  stack.simulator.ledger.entries.filter((e) => e.kind === 'request' && e.workflowId === workflowId).length;
/** The client a backend without registry access has: only the workflow's own claim guards it. */
const clientWithoutRegistry = () =>
  new PayoutsClient({
    client: stack.client,
    taskQueue: stack.temporal.taskQueue,
    policy: stack.settings.policy,
    operator: 'backend-without-registry',
  });

const reasonOf = (state: PayoutState) =>
  state.decision?.action === 'await_approval' ? state.decision.reason : undefined;

/** Retention ran out (simulated): the closed run is deleted from Temporal, as retention would. */
async function retentionRunsOut(workflowId: string): Promise<void> {
  await stack.client.workflowService.deleteWorkflowExecution({
    namespace: stack.temporal.namespace,
    workflowExecution: { workflowId },
  });
  await waitFor(
    () =>
      stack.client.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          () => undefined,
          (err: unknown) => (err instanceof WorkflowNotFoundError ? true : undefined),
        ),
    'the deleted run to be gone',
    // The dev server deletes in the background (about 20 s here).
    90_000,
  );
}

async function stepOf(payoutId: string) {
  return (await stack.payouts.getPayout(payoutId)).state;
}

describe('payout-ID registry', () => {
  it('migrations are idempotent and safe when workers start together', async () => {
    const registries = [1, 2, 3].map(() => new PayoutRegistry(url));
    try {
      const applied = await Promise.all(registries.map((r) => r.migrate()));
      // The stack's worker already applied them: nothing left to apply, and nobody failed.
      expect(applied).toEqual([[], [], []]);
    } finally {
      await Promise.all(registries.map((r) => r.close()));
    }
  });

  it('an ID whose run closed and was deleted from Temporal is refused: by the client, and by the workflow before any bank call', async () => {
    const payoutId = uniquePayoutId('retired');
    const workflowId = payoutWorkflowId(payoutId);
    const first = await stack.payouts.startPayout(accountRequest(payoutId));
    expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');
    const claim = await stack.registry!.lookup(payoutId);
    expect(claim).toMatchObject({ workflowId, runId: first.runId });
    const requestsOfFirstRun = bankRequests(workflowId);
    expect(requestsOfFirstRun).toBeGreaterThan(0);

    await retentionRunsOut(workflowId);

    const refused = stack.payouts.startPayout(accountRequest(payoutId));
    await expect(refused).rejects.toBeInstanceOf(PayoutIdRetiredError);
    await expect(refused).rejects.toThrow(/already started .* use a new payout ID/);

    // A caller that bypasses the registry check gets a fresh run from Temporal, which fails at its claim.
    const second = await clientWithoutRegistry().startPayout(accountRequest(payoutId));
    expect(second).toMatchObject({ created: true });
    expect(second.runId).not.toBe(first.runId);
    const failure = await stack.payouts.result(payoutId).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('PayoutIdAlreadyClaimed');
    expect(cause?.message).toMatch(new RegExp(`already claimed by run ${first.runId}`));
    expect(bankRequests(workflowId)).toBe(requestsOfFirstRun);
    expect(stack.simulator.ledger.confirmsProcessed(workflowId)).toBe(1);
    await recordHistory(stack, workflowId, 'registry-id-claimed');
  }, 150_000);

  it('payouts from before the registry: the backfill records them, so their IDs stay used after retention', async () => {
    // A worker without a registry, as every worker was before it: its payouts claim nothing.
    const legacy = await startTestStack();
    try {
      const payoutId = uniquePayoutId('pre-registry');
      const workflowId = payoutWorkflowId(payoutId);
      await legacy.payouts.startPayout(accountRequest(payoutId));
      expect((await legacy.payouts.result(payoutId)).outcome).toBe('succeeded');
      expect(await stack.registry!.lookup(payoutId)).toBeUndefined();
      const { runId } = await stack.client.workflow.getHandle(workflowId).describe();
      // Visibility is eventually consistent: run the backfill until it has seen this payout.
      await waitFor(async () => {
        await backfillRegistry(stack.client, stack.registry!);
        return stack.registry!.lookup(payoutId);
      }, 'the backfill to record the payout');
      expect(await stack.registry!.lookup(payoutId)).toMatchObject({ workflowId, runId });

      await retentionRunsOut(workflowId);
      await expect(stack.payouts.startPayout(accountRequest(payoutId))).rejects.toBeInstanceOf(
        PayoutIdRetiredError,
      );
      await clientWithoutRegistry().startPayout(accountRequest(payoutId));
      const failure = await stack.payouts.result(payoutId).catch((err: unknown) => err);
      expect((failure as WorkflowFailedError).cause?.message).toMatch(/already claimed by run/);
      expect(stack.simulator.ledger.entries.filter((e) => e.workflowId === workflowId)).toEqual([]);
    } finally {
      await legacy.stop();
    }
  }, 150_000);

  it('while the registry cannot be written, the payout waits and nothing reaches the bank', async () => {
    const payoutId = uniquePayoutId('registry-down');
    const workflowId = payoutWorkflowId(payoutId);
    pg.stop();
    try {
      // The backend with the registry cannot check it: it refuses to start rather than guess.
      await expect(stack.payouts.startPayout(accountRequest(payoutId))).rejects.toThrow();
      await clientWithoutRegistry().startPayout(accountRequest(payoutId));
      await waitFor(
        async () => ((await stepOf(payoutId)).step === 'registering' ? true : undefined),
        'registering',
      );
      await new Promise((r) => setTimeout(r, 3_000));
      expect((await stepOf(payoutId)).step).toBe('registering');
      expect(bankRequests(workflowId)).toBe(0);
    } finally {
      pg.start();
    }
    // Once the registry is back the claim lands and the payout goes through, once.
    expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');
    expect(stack.simulator.ledger.confirmsProcessed(workflowId)).toBe(1);
    expect(await stack.registry!.lookup(payoutId)).toMatchObject({ workflowId });
  }, 120_000);
});

describe('velocity limits per recipient and day', () => {
  it('payouts under the threshold to one recipient: the one crossing the daily amount waits for approval', async () => {
    const account = freshAccount();
    const amount = 150_000; // each well under the approval threshold; three of them exceed 400 000
    expect(amount).toBeLessThan(stack.settings.policy.approvalThreshold);
    for (const n of [1, 2]) {
      const payoutId = uniquePayoutId(`split-${n}`);
      await stack.payouts.startPayout(requestTo(account, payoutId, amount));
      expect((await stack.payouts.result(payoutId)).outcome).toBe('succeeded');
    }
    const third = uniquePayoutId('split-3');
    await stack.payouts.startPayout(requestTo(account, third, amount));
    const waiting = await waitFor(async () => {
      const state = await stepOf(third);
      return state.step === 'awaiting_approval' ? state : undefined;
    }, 'the third payout to wait for approval');
    expect(waiting.decision?.action).toBe('await_approval');
    expect(reasonOf(waiting)).toMatch(
      /450000 to this recipient today .* above the daily amount limit 400000/,
    );
    expect(stack.simulator.ledger.confirmsProcessed(payoutWorkflowId(third))).toBe(0);
    await stack.payouts.asOperator('alice').approve(third);
    expect((await stack.payouts.result(third)).outcome).toBe('succeeded');
    await recordHistory(stack, payoutWorkflowId(third), 'registry-velocity-approved');
    // Another recipient is not affected.
    const other = uniquePayoutId('split-other');
    await stack.payouts.startPayout(requestTo(freshAccount(), other, amount));
    expect((await stack.payouts.result(other)).outcome).toBe('succeeded');
  });

  it('counts atomically: six payouts at once to one recipient, exactly the three above the count limit wait', async () => {
    const account = freshAccount();
    const ids = Array.from({ length: 6 }, (_, i) => uniquePayoutId(`burst-${i}`));
    await Promise.all(ids.map((id) => stack.payouts.startPayout(requestTo(account, id, 10_000))));
    const fates = await Promise.all(
      ids.map((id) =>
        waitFor(
          async () => {
            const state = await stepOf(id);
            if (state.step === 'awaiting_approval') return 'waits';
            if (state.step === 'succeeded') return 'paid';
            return undefined;
          },
          `${id} to be paid or wait`,
          60_000,
        ),
      ),
    );
    expect(fates.filter((f) => f === 'paid')).toHaveLength(VELOCITY.maxCountPerDay);
    expect(fates.filter((f) => f === 'waits')).toHaveLength(ids.length - VELOCITY.maxCountPerDay);
    for (const [i, id] of ids.entries()) {
      if (fates[i] !== 'waits') continue;
      expect(reasonOf(await stepOf(id))).toMatch(
        /payout [456] to this recipient .* above the daily count limit 3/,
      );
      await stack.payouts.asOperator('alice').reject(id);
    }
  });
});
