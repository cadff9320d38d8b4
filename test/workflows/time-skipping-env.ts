/**
 * The Java time-skipping test server (fetched by the global setup), with the payout's search attributes
 * registered: the workflows upsert them and the server, like a real one, refuses unregistered attributes.
 */
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

export async function startTimeSkippingEnv(
  opts: { searchAttributes?: boolean } = {},
): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('timeSkippingServerPath') } },
  });
  if (opts.searchAttributes === false) return env;
  const { IndexedValueType } = temporal.api.enums.v1;
  // The caller only tears down an environment it got back: a failure here must stop the server itself.
  await env.connection.operatorService
    .addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(
        ALL_SEARCH_ATTRIBUTES.map((key) => [
          key.name,
          key.type === SearchAttributeType.INT
            ? IndexedValueType.INDEXED_VALUE_TYPE_INT
            : key.type === SearchAttributeType.BOOL
              ? IndexedValueType.INDEXED_VALUE_TYPE_BOOL
              : IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        ]),
      ),
    })
    .catch(async (err: unknown) => {
      await env.teardown();
      throw err;
    });
  return env;
}
