// Workers in tests log at WARN: state changes at INFO would bury the test output.
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
