/**
 * `npx tsx bench/codec-cost.ts [rounds]`: the payload codec's CPU per payout. Encodes and decodes the
 * payloads of a recorded successful payout (their number and sizes, decrypted from the history) `rounds`
 * times through the worker's data converter codec, and reports CPU per payload and per payout.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { Payload } from '@temporalio/common';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, parseCodecKeys } from '../codec/aes-gcm-codec';

const HISTORY = 'test/histories/success~payout-success-mwvtwcol-1.json';
const TEST_CODEC_KEYS = 'test-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

function encryptedPayloads(value: unknown, out: Payload[] = []): Payload[] {
  if (Array.isArray(value)) for (const v of value) encryptedPayloads(v, out);
  else if (value && typeof value === 'object') {
    const p = value as Payload;
    const encoding = p.metadata?.encoding;
    if (p.data && encoding && Buffer.from(encoding).toString() === ENCRYPTED_ENCODING) out.push(p);
    else for (const v of Object.values(value)) encryptedPayloads(v, out);
  }
  return out;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 2000);
  const codec = new AesGcmPayloadCodec(parseCodecKeys(TEST_CODEC_KEYS));
  const history = historyFromJSON(JSON.parse(readFileSync(path.resolve(__dirname, '..', HISTORY), 'utf8')));
  const encrypted = encryptedPayloads(history.events);
  const plain = await codec.decode(encrypted);
  const bytes = plain.reduce((n, p) => n + (p.data?.length ?? 0), 0);
  for (let i = 0; i < 200; i += 1) await codec.decode(await codec.encode(plain)); // warm-up
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < rounds; i += 1) await codec.encode(plain);
  const enc = process.cpuUsage(cpu0);
  const cpu1 = process.cpuUsage();
  for (let i = 0; i < rounds; i += 1) await codec.decode(encrypted);
  const dec = process.cpuUsage(cpu1);
  const ms = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  const perPayload = (u: NodeJS.CpuUsage) => (ms(u) * 1000) / rounds / plain.length;
  process.stdout.write(
    `${plain.length} payloads per recorded payout (${bytes} bytes plain), ${rounds} rounds: ` +
      `encode ${perPayload(enc).toFixed(1)} µs, decode ${perPayload(dec).toFixed(1)} µs CPU per payload; ` +
      `one encode and one decode of every payload: ${((ms(enc) + ms(dec)) / rounds).toFixed(3)} ms CPU per payout\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
