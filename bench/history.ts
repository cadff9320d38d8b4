/** Event counts of a workflow history, by type, with patch markers and their search-attribute upserts apart. */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { EventCounts } from './report';

/** The SDK writes one marker and one `TemporalChangeVersion` upsert for every `patched()` a new run takes. */
export const PATCH_MARKER = 'MarkerRecorded(patch)';
export const PATCH_UPSERT = 'UpsertWorkflowSearchAttributes(TemporalChangeVersion)';

function label(e: temporal.api.history.v1.IHistoryEvent): string {
  const name = temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType);
  const type = name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
  const marker = e.markerRecordedEventAttributes?.markerName;
  if (marker) return marker === 'core_patch' ? PATCH_MARKER : `MarkerRecorded(${marker})`;
  const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
  if (fields) {
    const keys = Object.keys(fields);
    return keys.length === 1 && keys[0] === 'TemporalChangeVersion' ? PATCH_UPSERT : type;
  }
  return type;
}

export function countEvents(history: temporal.api.history.v1.IHistory): EventCounts {
  const counts: EventCounts = {};
  for (const e of history.events ?? []) {
    const l = label(e);
    counts[l] = (counts[l] ?? 0) + 1;
  }
  return counts;
}

export async function historyEventCounts(client: Client, workflowId: string): Promise<EventCounts> {
  return countEvents(await client.workflow.getHandle(workflowId).fetchHistory());
}
