/**
 * Where the local demo (`npm start`, `npm run temporal`) keeps its state on this machine (git-ignored). The
 * payout CLI reads the demo's payload key from here, so a terminal next to `npm start` can decode its payloads.
 */
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const LOCAL_DATA_DIR = path.join(PROJECT_ROOT, '.data');
/** The demo's codec key outlives one run: the SQLite history it encrypted is kept too. */
export const DEMO_CODEC_KEYS_FILE = path.join(LOCAL_DATA_DIR, 'demo-codec-keys');
export const DEMO_TEMPORAL_DB_FILE = path.join(LOCAL_DATA_DIR, 'temporal.sqlite');
