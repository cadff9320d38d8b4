/** The local demo's payload key: kept in `.data/` so what it encrypted (SQLite or cluster history) stays readable. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateCodecKeySpec } from '../codec/aes-gcm-codec';
import { DEMO_CODEC_KEYS_FILE } from '../config/local-demo';

/** `configured` (PAYLOAD_CODEC_KEYS) when given; else the demo's key, made on first use. */
export function demoCodecKeys(configured?: string): string {
  if (configured) return configured;
  if (!existsSync(DEMO_CODEC_KEYS_FILE)) {
    mkdirSync(path.dirname(DEMO_CODEC_KEYS_FILE), { recursive: true });
    writeFileSync(DEMO_CODEC_KEYS_FILE, generateCodecKeySpec('demo-1'), { mode: 0o600 });
  }
  return readFileSync(DEMO_CODEC_KEYS_FILE, 'utf8').trim();
}
