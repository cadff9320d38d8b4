import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, parseCodecKeys } from './aes-gcm-codec';

/** The failure converter module, as TypeScript source in development or compiled in dist/. */
export const FAILURE_CONVERTER_PATH = ((): string => {
  const ts = path.join(__dirname, 'failure-converter.ts');
  return existsSync(ts) ? ts : path.join(__dirname, 'failure-converter.js');
})();

/**
 * The data converter every client, worker and gateway uses: payloads encrypted when keys are configured,
 * and failure messages moved into payloads so they are encrypted too.
 */
export function dataConverterFor(codecKeySpec: string): DataConverter {
  const keys = parseCodecKeys(codecKeySpec);
  return {
    failureConverterPath: FAILURE_CONVERTER_PATH,
    ...(keys.length === 0 ? {} : { payloadCodecs: [new AesGcmPayloadCodec(keys)] }),
  };
}
