/**
 * Failure messages and stack traces carry the bank's descriptions and our inputs. Encoding the common
 * attributes moves them into a payload, which the payload codec then encrypts like any other.
 * Loaded by path (`failureConverterPath`): workflow bundles, workers and clients must all use this one.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
