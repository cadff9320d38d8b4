/**
 * Histories recorded from real runs (RECORD_HISTORIES=1 with the end-to-end tests) must replay against the
 * current workflow code without nondeterminism: the guard that keeps in-flight payouts safe across deploys.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { dataConverterFor } from '../../codec/data-converter';
import { NO_TRACING } from '../../observability/tracing';
import { HISTORIES_DIR, TEST_CODEC_KEYS } from '../helpers/stack';

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

describe('workflow replay', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it.each(files)('replays %s without nondeterminism', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
    await Worker.runReplayHistory(
      {
        workflowBundle: { codePath: inject('workflowBundlePath') },
        dataConverter: dataConverterFor(TEST_CODEC_KEYS),
        // The bundle's tracing interceptor sends its spans here (dropped).
        sinks: NO_TRACING.sinks,
      },
      history,
      file.replace(/^[^~]*~/, '').replace(/\.json$/, ''),
    );
  });
});
