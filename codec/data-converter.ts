import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, parseCodecKeys } from './aes-gcm-codec';

/** The data converter every client, worker and gateway uses; plaintext only when no keys are configured. */
export function dataConverterFor(codecKeySpec: string): DataConverter {
  const keys = parseCodecKeys(codecKeySpec);
  return keys.length === 0 ? {} : { payloadCodecs: [new AesGcmPayloadCodec(keys)] };
}
