/**
 * `npm run temporal:test-server`: prints the path of the time-skipping test server's wrapper, resolving its jars
 * the first time (harness/temporal-test-server.ts).
 */
import { printToolPath } from '../harness/tools';
import { resolveTemporalTestServer } from '../harness/temporal-test-server';

printToolPath(() => resolveTemporalTestServer());
