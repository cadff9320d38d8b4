/**
 * Log volume on the hot path (issue 14: pino writes were ~14–19 % of worker and gateway CPU): a payout's
 * routine steps log at debug, so at info a successful payout writes no per-step line; and the asynchronous
 * destination still delivers every line when the process exits.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it, vi } from 'vitest';
import { createActivities } from '../../activities';
import type { Bank131Client } from '../../bank131/client';
import type { RawSession } from '../../bank131/schemas';
import { loadPayoutSettings } from '../../config';
import { createLogger } from '../../observability/logger';
import { webhookReporter } from '../../webhook-gateway/app';
import type { Response } from 'express';

function capture() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as { level: number; msg: string });
      done();
    },
  });
  return { lines, stream };
}

const session: RawSession = {
  id: 'ps_1',
  status: 'in_progress',
  next_action: 'confirm',
  payments: [{ id: 'po_1', status: 'pending' }],
};

async function happySteps(level: string) {
  const { lines, stream } = capture();
  const bank = {
    tokenize: vi
      .fn<Bank131Client['tokenize']>()
      .mockResolvedValue({ token: 'tok', maskedAccount: '4081***4312' }),
    initPayout: vi.fn<Bank131Client['initPayout']>().mockResolvedValue(session),
    confirm: vi.fn<Bank131Client['confirm']>().mockResolvedValue({ ...session, next_action: undefined }),
  };
  const activities = createActivities({
    bank131: bank as unknown as Bank131Client,
    settings: loadPayoutSettings({}),
    logger: createLogger('log-volume', level, stream),
  });
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR', () => undefined) });
  const workflowId = 'payout-log-volume';
  await env.run(() =>
    activities.tokenizeAccount({ workflowId, bik: '044525974', account: '40817810099910004312' }),
  );
  await env.run(() =>
    activities.initPayout({
      workflowId,
      token: 'tok',
      fullName: 'Иванов Иван',
      description: 'd',
      amount: 100,
      currency: 'rub',
    }),
  );
  await env.run(() => activities.confirmPayout({ workflowId, sessionId: 'ps_1' }));
  return lines;
}

describe('log volume', () => {
  it('at info, the routine steps of a successful payout write no line', async () => {
    expect(await happySteps('info')).toEqual([]);
  });

  it('at debug, the same steps are there to be read', async () => {
    const msgs = (await happySteps('debug')).map((l) => l.msg);
    expect(msgs).toEqual(expect.arrayContaining(['account tokenized', 'payout initiated']));
  });

  it('the gateway logs a delivered webhook at debug, and what an operator must see at info or above', () => {
    const { lines, stream } = capture();
    const events: unknown[] = [];
    const report = webhookReporter(createLogger('gw', 'info', stream), (e) => events.push(e));
    const res = { locals: { requestId: 'r1', startedAt: performance.now() } } as unknown as Response;
    report(res, 200, 'signalled', { type: 'ready_to_confirm' });
    report(res, 200, 'replayed_body', {});
    expect(lines).toEqual([]);
    report(res, 200, 'inbox_unknown_session', {});
    report(res, 401, 'bad_signature', {});
    report(res, 503, 'temporal_unavailable', {});
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'webhook accepted'],
      [40, 'webhook refused'],
      [50, 'webhook not accepted'],
    ]);
    expect(events).toHaveLength(5); // every webhook still counted in the metrics
  });

  it('the asynchronous stdout destination loses no line when the process exits right after logging', () => {
    const script = `
      const { createLogger } = require(${JSON.stringify(path.resolve(__dirname, '../../observability/logger.ts'))});
      const logger = createLogger('exit-test', 'info');
      for (let i = 0; i < 2000; i++) logger.info({ i }, 'line');
      process.exit(0);`;
    const out = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    const lines = out.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2000);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ i: 1999, msg: 'line' });
  });
});
