import { describe, expect, it } from 'vitest';
import type { SessionSnapshot } from '../../bank131/session';
import { payoutWorkflowId } from '../../policy/payout-request';
import { payoutReturnsWorkflowId } from '../../workflows/messages';
import { sessionBelongsTo, sessionWorkflowId } from '../../workflows/payout-returns';

const withMetadata = (metadata: unknown): SessionSnapshot => ({
  sessionId: 'ps_1',
  status: 'accepted',
  payout: { id: 'po_1', status: 'succeeded', metadata, refunds: [] },
});

describe('payoutReturnsWorkflowId', () => {
  it('derives one returns workflow per payout workflow', () => {
    expect(payoutReturnsWorkflowId(payoutWorkflowId('p-1'))).toBe('returns-payout-p-1');
    expect(payoutReturnsWorkflowId('payout-a')).not.toBe(payoutReturnsWorkflowId('payout-b'));
  });
});

describe('sessionBelongsTo', () => {
  it('accepts metadata equal to the payout workflow ID, as a string or as workflow_id', () => {
    expect(sessionBelongsTo(withMetadata('payout-p-1'), 'payout-p-1')).toBe(true);
    expect(sessionBelongsTo(withMetadata({ workflow_id: 'payout-p-1' }), 'payout-p-1')).toBe(true);
  });

  it('accepts the workflow ID followed by a run tag after a slash', () => {
    expect(sessionBelongsTo(withMetadata('payout-p-1/run-2'), 'payout-p-1')).toBe(true);
    expect(sessionBelongsTo(withMetadata('payout-p-1/'), 'payout-p-1')).toBe(true);
  });

  it('refuses another payout, including one whose ID merely starts with ours', () => {
    expect(sessionBelongsTo(withMetadata('payout-p-2'), 'payout-p-1')).toBe(false);
    expect(sessionBelongsTo(withMetadata('payout-p-10'), 'payout-p-1')).toBe(false);
    expect(sessionBelongsTo(withMetadata('payout-p-1x/tag'), 'payout-p-1')).toBe(false);
    expect(sessionBelongsTo(withMetadata('xpayout-p-1'), 'payout-p-1')).toBe(false);
  });

  it('refuses a session without usable metadata, or an empty payout ID', () => {
    expect(sessionBelongsTo(withMetadata(undefined), 'payout-p-1')).toBe(false);
    expect(sessionBelongsTo(withMetadata(''), 'payout-p-1')).toBe(false);
    expect(sessionBelongsTo(withMetadata({ workflow_id: 42 }), 'payout-p-1')).toBe(false);
    expect(sessionBelongsTo({ sessionId: 'ps_1', status: 'accepted' }, 'payout-p-1')).toBe(false);
    expect(sessionBelongsTo(withMetadata('/tag'), '')).toBe(false);
  });

  it('reports the workflow ID a session carries', () => {
    expect(sessionWorkflowId(withMetadata({ workflow_id: 'payout-x/1' }))).toBe('payout-x/1');
    expect(sessionWorkflowId(withMetadata(null))).toBeUndefined();
  });
});
