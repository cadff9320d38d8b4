/** `npm run temporal:cli`: prints the path of the `temporal` CLI, building it the first time (harness/temporal-cli.ts). */
import { resolveTemporalCli } from '../harness/temporal-cli';
import { printToolPath } from '../harness/tools';

printToolPath(() => resolveTemporalCli());
