/**
 * The cluster's Temporal UI (harness/cluster/ui.ts) is compose's `temporal-ui` service: the same ui-server
 * version, the same settings, and the file it writes is one ui-server reads (YAML, its config.go field names).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  COMPOSE_UI_ENV,
  DEFAULT_CODEC_PORT,
  DEFAULT_UI_PORT,
  renderUiConfig,
  resolveUiServer,
  startClusterUi,
  TEMPORAL_UI_VERSION,
  uiConfig,
  uiServerArgs,
  writeUiConfig,
} from '../../harness/cluster/ui';
import { loadClusterUiConfig } from '../../config/local-demo';
import { createLogger } from '../../observability/logger';

const root = path.resolve(__dirname, '../..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; environment?: Record<string, unknown>; ports?: string[] }>;
};
const base = {
  temporalAddress: '127.0.0.1:7233',
  host: '127.0.0.1',
  port: 8233,
  codecEndpoint: 'http://127.0.0.1:8888',
};
const at = (obj: unknown, dotted: string): unknown =>
  dotted.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);

describe('cluster UI and docker-compose.yml', () => {
  it('builds the ui-server version of the temporalio/ui image compose pins', () => {
    const pinned = /:\$\{TEMPORAL_UI_VERSION:-([^}]+)\}$/.exec(
      compose.services['temporal-ui']?.image ?? '',
    )?.[1];
    expect(pinned).toBe(TEMPORAL_UI_VERSION.replace(/^v/, ''));
  });

  it('sets every variable compose gives temporal-ui, in the field the image template puts it', () => {
    const config = uiConfig(base);
    for (const name of Object.keys(compose.services['temporal-ui']?.environment ?? {})) {
      expect(COMPOSE_UI_ENV, name).toHaveProperty(name);
      expect(at(config, COMPOSE_UI_ENV[name]!), name).not.toBeUndefined();
    }
  });

  it("listens on compose's ports by default, on this host only: UI 8233, codec server 8888", () => {
    expect(compose.services['temporal-ui']?.ports).toContain(`127.0.0.1:${DEFAULT_UI_PORT}:8080`);
    expect(compose.services['codec-server']?.environment?.CODEC_SERVER_PORT).toBe(DEFAULT_CODEC_PORT);
  });
});

describe('cluster UI settings (config/local-demo.ts)', () => {
  it("defaults to compose's ports, the demo key, no token and no access-token passing", () => {
    expect(loadClusterUiConfig({})).toEqual({
      uiPort: 8233,
      codecPort: 8888,
      codecKeys: undefined,
      codecAuthToken: undefined,
      codecPassAccessToken: false,
    });
  });

  it('reads the compose variables and refuses a short token', () => {
    expect(
      loadClusterUiConfig({
        TEMPORAL_UI_PORT: '9233',
        CODEC_SERVER_PORT: '9888',
        PAYLOAD_CODEC_KEYS: 'k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
        CODEC_SERVER_AUTH_TOKEN: 'a-token-of-24-characters',
        TEMPORAL_CODEC_PASS_ACCESS_TOKEN: 'true',
      }),
    ).toEqual({
      uiPort: 9233,
      codecPort: 9888,
      codecKeys: 'k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
      codecAuthToken: 'a-token-of-24-characters',
      codecPassAccessToken: true,
    });
    expect(() => loadClusterUiConfig({ CODEC_SERVER_AUTH_TOKEN: 'short' })).toThrow(
      /CODEC_SERVER_AUTH_TOKEN/,
    );
  });
});

describe('UI config', () => {
  it('points at the frontend on loopback, with the codec server as the codec endpoint and no TLS', () => {
    const config = uiConfig({ ...base, namespace: 'payouts' });
    expect(config).toMatchObject({
      temporalGrpcAddress: '127.0.0.1:7233',
      host: '127.0.0.1',
      port: 8233,
      defaultNamespace: 'payouts',
      enableUi: true,
      auth: { enabled: false },
      codec: { endpoint: 'http://127.0.0.1:8888', passAccessToken: false, includeCredentials: false },
      tls: { caFile: '', certFile: '', keyFile: '', serverName: '', enableHostVerification: false },
    });
    // The browser's origins only, never "*": the UI's CSRF check and the codec server's CORS list agree.
    expect(config.cors.unsafeAllowAllOrigins).toBe(false);
    expect(config.cors.allowOrigins).toEqual(['http://127.0.0.1:8233', 'http://localhost:8233']);
    expect(config.cors.cookieInsecure).toBe(true);
  });

  it('shows a 0.0.0.0 listener as loopback in the origins', () => {
    expect(uiConfig({ ...base, host: '0.0.0.0' }).cors.allowOrigins).toEqual([
      'http://127.0.0.1:8233',
      'http://localhost:8233',
    ]);
  });

  it('takes TLS paths and a server name for a TLS frontend, and checks the host then', () => {
    const config = uiConfig({
      ...base,
      tls: {
        caFile: '/certs/ca.pem',
        certFile: '/certs/ui.pem',
        keyFile: '/certs/ui-key.pem',
        serverName: 'frontend',
      },
    });
    expect(config.tls).toEqual({
      caFile: '/certs/ca.pem',
      certFile: '/certs/ui.pem',
      keyFile: '/certs/ui-key.pem',
      serverName: 'frontend',
      enableHostVerification: true,
    });
    expect(config.cors.cookieInsecure).toBe(false);
  });

  it('refuses a client certificate without its key, and an access token sent over plain HTTP', () => {
    expect(() => uiConfig({ ...base, tls: { caFile: '/ca.pem', certFile: '/ui.pem' } })).toThrow(
      /certFile and keyFile/,
    );
    expect(() => uiConfig({ ...base, codecPassAccessToken: true })).toThrow(/https/);
    expect(
      uiConfig({ ...base, codecEndpoint: 'https://codec.example', codecPassAccessToken: true }).codec,
    ).toEqual({
      endpoint: 'https://codec.example',
      passAccessToken: true,
      includeCredentials: false,
    });
    expect(() => uiConfig({ ...base, codecEndpoint: '127.0.0.1:8888' })).toThrow(/http\(s\) URL/);
  });

  it('writes a YAML file under the env name the server is started with', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ui-config-'));
    try {
      const config = uiConfig(base);
      const file = writeUiConfig(dir, config);
      const args = uiServerArgs(dir);
      expect(args).toEqual(['--root', '/', '--config', dir, '--env', 'cluster', 'start']);
      expect(file).toBe(path.join(dir, 'cluster.yaml'));
      expect(parse(readFileSync(file, 'utf8'))).toEqual(config);
      expect(renderUiConfig(config).startsWith('#')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a TEMPORAL_UI_SERVER_PATH that is not an executable', () => {
    const saved = process.env.TEMPORAL_UI_SERVER_PATH;
    process.env.TEMPORAL_UI_SERVER_PATH = path.join(tmpdir(), 'no-such-temporal-ui-server');
    try {
      expect(() => resolveUiServer(() => undefined)).toThrow(
        /TEMPORAL_UI_SERVER_PATH=.*not an executable file/,
      );
    } finally {
      if (saved === undefined) delete process.env.TEMPORAL_UI_SERVER_PATH;
      else process.env.TEMPORAL_UI_SERVER_PATH = saved;
    }
  });

  it('will not serve decrypted payloads beyond loopback without a codec token', async () => {
    await expect(
      startClusterUi({
        temporalAddress: '127.0.0.1:7233',
        dataDir: tmpdir(),
        codecKeys: 'k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
        host: '0.0.0.0',
        logger: createLogger('codec', 'silent'),
      }),
    ).rejects.toThrow(/loopback only/);
  });
});
