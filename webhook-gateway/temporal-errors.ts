/**
 * Which failures of a Temporal call mean "Temporal cannot take it right now" (answer 503, the bank retries)
 * as opposed to a bug (500). Both make the bank retry; the distinction is for operators and alerts.
 */
import { isGrpcServiceError } from '@temporalio/client';

/** gRPC status codes (a stable part of the gRPC spec; @grpc/grpc-js is not a direct dependency). */
export const GrpcStatus = {
  CANCELLED: 1,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  UNAVAILABLE: 14,
} as const;

const TRANSIENT_GRPC_CODES: ReadonlySet<number> = new Set(Object.values(GrpcStatus));

/** Socket-level failures, in case one surfaces without a gRPC status around it. */
const TRANSIENT_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

const MAX_CAUSE_DEPTH = 5;

/** True when `err`, or one of its causes, says Temporal is unreachable, overloaded or too slow. */
export function isTemporalUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e !== null && typeof e === 'object' && depth < MAX_CAUSE_DEPTH; depth++) {
    if (isGrpcServiceError(e) && TRANSIENT_GRPC_CODES.has(e.code)) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_SOCKET_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
