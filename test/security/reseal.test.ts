// `livecheck keys reseal`: everything sealed with key A (tokens, frames, observations, probe and
// audit images, webhook secrets) is re-encrypted under key B, after which A can be removed and all
// data still reads. Idempotent: a second run touches nothing.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { RESEAL_HELP, runResealCli } from '../../src/cli/reseal.js';
import type { ResealReport } from '../../src/security/reseal.js';
import { dataUri } from '../helpers/faces.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS, type TestStore, testStore } from '../helpers/stores.js';
import { type Pool, captureIdOf, cellsAsBytes, createCheck, dumpTables, runSession, startPool, stillFrames, waitForResult } from './session.js';

let pool: Pool;
let frames: Buffer[];
beforeAll(async () => {
  pool = await startPool();
  frames = await stillFrames(8);
});
afterAll(() => pool.close());

const keyIdOf = (base64: string) => createHash('sha256').update(Buffer.from(base64, 'base64')).digest().subarray(0, 4).toString('hex');

/** Runs the command in-process, as `npx livecheck keys reseal` would with this environment. */
async function reseal(store: TestStore, env: Record<string, string>, argv: string[] = ['--json']) {
  let stdout = '';
  let stderr = '';
  const code = await runResealCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {
      LIVECHECK_DATA_DIR: store.dataDir,
      ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : {}),
      ...(store.schema ? { LIVECHECK_DB_SCHEMA: store.schema } : {}),
      LOG_LEVEL: 'silent',
      ...env,
    },
  });
  return { code, stdout, stderr };
}

/** Key ids of every sealed cell (version byte 1, then the 4-byte key id) in the whole store. */
async function sealedKeyIds(t: TestService): Promise<Set<string>> {
  const sealed = cellsAsBytes(await dumpTables(t)).filter((cell) => cell[0] === 1 && cell.length > 33);
  return new Set(sealed.map((cell) => cell.subarray(1, 5).toString('hex')));
}

/** `npx livecheck …` in-process, with what it writes to stdout. */
async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await main(argv), out: chunks.join('') };
  } finally {
    process.stdout.write = write;
  }
}

describe('keys reseal --help', () => {
  it('is listed in the top-level help, and documents the rotation with an example', async () => {
    expect((await cli(['--help'])).out).toMatch(/keys reseal[\s\S]*Examples:[\s\S]*npx livecheck keys reseal/);
    expect((await cli(['keys', '--help'])).out).toContain('keys reseal');
    const help = await cli(['keys', 'reseal', '--help']);
    expect(help).toEqual({ code: 0, out: RESEAL_HELP });
    expect(RESEAL_HELP).toContain('LIVECHECK_ENCRYPTION_KEY=B LIVECHECK_PREVIOUS_ENCRYPTION_KEYS=A npx livecheck keys reseal');
  });
});

describe.each(STORE_KINDS)('re-sealing under a new key on %s', (kind) => {
  it('re-encrypts every sealed value so the previous key can be removed, and does nothing the second time', async () => {
    const store = testStore(kind);
    const keyA = randomBytes(32).toString('base64');
    const keyB = randomBytes(32).toString('base64');
    try {
      // Key A seals: a decided check with probe and audit images, a check mid-capture with frames and
      // their observations, a replayable create, an endpoint secret and the tenant's per-check secret.
      const a = await startTestService(kind, { analyzer: pool, store, env: { LIVECHECK_ENCRYPTION_KEY: keyA } });
      let apiKey: string;
      let decided: Awaited<ReturnType<typeof runSession>>;
      let capturing: { token: string; captureId: string };
      let replayed: { token: string };
      let endpointSecret: string;
      let endpointId: string;
      let tenantSecret: string;
      try {
        apiKey = await a.tenantKey('acme');
        decided = await runSession(a, apiKey, frames, { retain_image: true, audit_images: 2 });
        expect(decided.result.status).toBe(200);
        const open = await createCheck(a, apiKey);
        capturing = { token: open.token, captureId: captureIdOf(open.url) };
        expect((await a.request(`/v1/capture/${capturing.captureId}/start`, { method: 'POST' })).status).toBe(200);
        const upload = await a.request(`/v1/capture/${capturing.captureId}/frames`, {
          method: 'POST',
          json: { frames: frames.slice(0, 3).map((jpeg, i) => ({ t: i * 200, step: -1, image: dataUri(jpeg) })) },
        });
        expect(upload.status).toBe(202);
        const idem = await a.request('/liveness_check', { method: 'POST', key: apiKey, json: { reference: 'idem' }, headers: { 'idempotency-key': 'reseal-1' } });
        replayed = (await idem.json()) as { token: string };
        const endpoint = await a.request('/admin/webhook_endpoints', { method: 'POST', key: ADMIN_KEY, json: { tenant: 'acme', url: 'https://hooks.example.com/x' } });
        ({ id: endpointId, secret: endpointSecret } = (await endpoint.json()) as { id: string; secret: string });
        tenantSecret = ((await (await a.request('/admin/tenants/acme/webhook_secret', { key: ADMIN_KEY })).json()) as { secret: string }).secret;

        const db = a.service.store.db;
        const observed = await db.selectFrom('capture_frames').select('observation_sealed').where('observation_sealed', 'is not', null).execute();
        expect(observed.length).toBeGreaterThan(0);
        expect(await sealedKeyIds(a)).toEqual(new Set([keyIdOf(keyA)]));
      } finally {
        await a.service.close();
      }

      // Without A configured the command cannot read A's values: it says so and fails.
      const missing = await reseal(store, { LIVECHECK_ENCRYPTION_KEY: keyB });
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain('LIVECHECK_PREVIOUS_ENCRYPTION_KEYS');
      expect((JSON.parse(missing.stdout) as ResealReport).resealed).toBe(0);

      // B with A as previous: everything is re-sealed, in batches of 2.
      const first = await reseal(store, { LIVECHECK_ENCRYPTION_KEY: keyB, LIVECHECK_PREVIOUS_ENCRYPTION_KEYS: keyA }, ['--json', '--batch', '2']);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const report = JSON.parse(first.stdout) as ResealReport;
      expect(report.keyId).toBe(keyIdOf(keyB));
      expect(report.unreadable).toBe(0);
      const counts = Object.fromEntries(report.columns.map((c) => [`${c.table}.${c.column}`, c.resealed]));
      expect(counts['liveness_checks.token_sealed']).toBe(3);
      expect(counts['capture_frames.image_sealed']).toBe(3);
      expect(counts['capture_frames.observation_sealed']).toBe(3);
      expect(counts['check_images.image_sealed']).toBeGreaterThanOrEqual(2);
      expect(counts['webhook_endpoints.secrets_sealed']).toBe(1);
      expect(counts['tenant_webhook_secrets.secrets_sealed']).toBe(1);

      // Idempotent: nothing is left under another key.
      const second = await reseal(store, { LIVECHECK_ENCRYPTION_KEY: keyB, LIVECHECK_PREVIOUS_ENCRYPTION_KEYS: keyA }, []);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/total\s+0 resealed/);
      expect(second.stdout).toContain('LIVECHECK_PREVIOUS_ENCRYPTION_KEYS can be removed');

      // A removed: every kind of sealed data still reads.
      const b = await startTestService(kind, { analyzer: pool, store, env: { LIVECHECK_ENCRYPTION_KEY: keyB } });
      try {
        expect(await sealedKeyIds(b)).toEqual(new Set([keyIdOf(keyB)]));
        // Result with probe and audit images.
        const read = await b.request(`/liveness_check?token=${decided.check.token}`, { key: apiKey });
        expect(read.status).toBe(200);
        expect(await read.json()).toEqual(decided.result.body);
        // Token: an idempotent replay returns the same token.
        const again = await b.request('/liveness_check', { method: 'POST', key: apiKey, json: { reference: 'idem' }, headers: { 'idempotency-key': 'reseal-1' } });
        expect(((await again.json()) as { token: string }).token).toBe(replayed.token);
        // Frames and observations: the capture finishes and is decided from them.
        expect((await b.request(`/v1/capture/${capturing.captureId}/finish`, { method: 'POST' })).status).toBe(202);
        expect((await waitForResult(b, apiKey, capturing.token)).status).toBe(200);
        // Webhook secrets: the same secrets are read back (a rotation opens the endpoint's list).
        expect(((await (await b.request('/admin/tenants/acme/webhook_secret', { key: ADMIN_KEY })).json()) as { secret: string }).secret).toBe(tenantSecret);
        const rotated = await b.request(`/admin/webhook_endpoints/${endpointId}/rotate_secret`, { method: 'POST', key: ADMIN_KEY });
        expect(rotated.status).toBe(200);
        expect(((await rotated.json()) as { secret: string }).secret).not.toBe(endpointSecret);
      } finally {
        await b.service.close();
      }
    } finally {
      await store.dispose();
    }
  });
});
