/** The backend-callback activity: one signed POST per attempt (workflows/backend-callback.ts retries). */
import { ApplicationFailure } from '@temporalio/activity';
import { signCallback } from '../client/callbacks';
import type { Logger } from '../observability/logger';
import type { CallbackActivities } from './types';

export interface BackendCallbackConfig {
  url: string;
  secret: string;
  timeoutMs: number;
}

export function createCallbackActivities(
  config: BackendCallbackConfig | undefined,
  logger: Logger,
): CallbackActivities {
  return {
    deliverCallback: async ({ event }) => {
      if (!config) {
        // Another worker with callbacks on started this; retried until one of those picks it up.
        throw ApplicationFailure.retryable(
          'backend callbacks are not configured on this worker',
          'CallbackNotConfigured',
        );
      }
      const signed = signCallback(event, config.secret, new Date());
      let response: Response;
      try {
        response = await fetch(config.url, {
          method: 'POST',
          body: signed.body,
          headers: signed.headers,
          redirect: 'manual',
          signal: AbortSignal.timeout(config.timeoutMs),
        });
      } catch (err) {
        const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
        throw ApplicationFailure.retryable(
          `backend unreachable${cause || `: ${err instanceof Error ? err.message : String(err)}`}`,
          'CallbackUnreachable',
        );
      }
      await response.body?.cancel();
      if (!response.ok) {
        throw ApplicationFailure.retryable(`backend answered HTTP ${response.status}`, 'CallbackRefused');
      }
      logger.info(
        { eventId: event.id, type: event.type, httpStatus: response.status },
        'backend callback delivered',
      );
      return { httpStatus: response.status };
    },
  };
}
