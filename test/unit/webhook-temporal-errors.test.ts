import { ServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { GrpcStatus, isTemporalUnavailable } from '../../webhook-gateway/temporal-errors';

/** The shape @grpc/grpc-js gives a failed call. */
function grpcError(code: number, details = 'failed'): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

const NOT_FOUND = 5;
const INVALID_ARGUMENT = 3;
const INTERNAL = 13;

describe('isTemporalUnavailable', () => {
  it.each(Object.entries(GrpcStatus))('is true for %s', (_name, code) => {
    expect(isTemporalUnavailable(grpcError(code))).toBe(true);
  });

  it('looks through the client’s ServiceError wrapper', () => {
    const wrapped = new ServiceError('Failed to signal', { cause: grpcError(GrpcStatus.UNAVAILABLE) });
    expect(isTemporalUnavailable(wrapped)).toBe(true);
  });

  it('is true for a socket failure without a gRPC status', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7233'), { code: 'ECONNREFUSED' });
    expect(isTemporalUnavailable(new Error('outer', { cause: refused }))).toBe(true);
  });

  it.each([
    ['NOT_FOUND', grpcError(NOT_FOUND)],
    ['INVALID_ARGUMENT', grpcError(INVALID_ARGUMENT)],
    ['INTERNAL', grpcError(INTERNAL)],
    ['a wrapped INVALID_ARGUMENT', new ServiceError('bad', { cause: grpcError(INVALID_ARGUMENT) })],
    ['WorkflowNotFoundError', new WorkflowNotFoundError('gone', 'payout-p1', undefined)],
    ['a plain error mentioning UNAVAILABLE', new Error('UNAVAILABLE')],
    ['a string', 'UNAVAILABLE'],
    ['undefined', undefined],
  ])('is false for %s', (_what, err) => {
    expect(isTemporalUnavailable(err)).toBe(false);
  });

  it('stops on a cycle of causes', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    a.cause = new Error('b', { cause: a });
    expect(isTemporalUnavailable(a)).toBe(false);
  });
});
