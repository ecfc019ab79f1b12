// One key per store: a process started with another key, or with none, refuses to start before it
// seals anything; a rotation moves the store to the new key; two processes planting different keys on
// a new store at once end with one key.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { startTestService } from '../helpers/service.js';
import { STORE_KINDS, type TestStore, testStore } from '../helpers/stores.js';

const newKey = () => randomBytes(32).toString('base64');
const keyIdOf = (base64: string) => createHash('sha256').update(Buffer.from(base64, 'base64')).digest().subarray(0, 4).toString('hex');

async function canaryKeyId(store: TestStore, key: string): Promise<string> {
  const t = await startTestService(store.kind, { store, runJobs: false, env: { LIVECHECK_ENCRYPTION_KEY: key } });
  try {
    const row = await t.service.store.db.selectFrom('encryption_canary').select('sealed').executeTakeFirstOrThrow();
    return Buffer.from(row.sealed).subarray(1, 5).toString('hex');
  } finally {
    await t.service.close();
  }
}

async function startFails(store: TestStore, env: Record<string, string>): Promise<ConfigError> {
  const error = await startTestService(store.kind, { store, runJobs: false, env }).then(
    async (t) => {
      await t.service.close();
      throw new Error('started with the wrong key');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe.each(STORE_KINDS)('the store key on %s', (kind) => {
  it('a process with another key is refused, naming both keys; the store key still starts', async () => {
    const store = testStore(kind);
    const a = newKey();
    const b = newKey();
    try {
      expect(await canaryKeyId(store, a)).toBe(keyIdOf(a));
      const error = await startFails(store, { LIVECHECK_ENCRYPTION_KEY: b });
      expect(error.message).toContain(keyIdOf(a));
      expect(error.message).toContain(keyIdOf(b));
      expect(error.message).toContain('LIVECHECK_ENCRYPTION_KEY');
      expect(await canaryKeyId(store, a)).toBe(keyIdOf(a));
    } finally {
      await store.dispose();
    }
  });

  it('a process with no key is refused and generates none', async () => {
    const store = testStore(kind);
    try {
      // The first start generates encryption.key in the data directory and seals with it.
      const first = await startTestService(kind, { store, runJobs: false });
      await first.service.close();
      const keyFile = path.join(store.dataDir, 'encryption.key');
      expect(existsSync(keyFile)).toBe(true);
      // The key file lost (or, on PostgreSQL, another host's data directory): refused, nothing generated.
      renameSync(keyFile, `${keyFile}.away`);
      const error = await startFails(store, {});
      expect(error.message).toMatch(/this process has none/);
      expect(existsSync(keyFile)).toBe(false);
      if (kind === 'postgres') {
        const otherHost = mkdtempSync(path.join(tmpdir(), 'lc-other-host-'));
        try {
          await startFails({ ...store, dataDir: otherHost }, {});
          expect(existsSync(path.join(otherHost, 'encryption.key'))).toBe(false);
        } finally {
          rmSync(otherHost, { recursive: true, force: true });
        }
      }
      renameSync(`${keyFile}.away`, keyFile);
      const back = await startTestService(kind, { store, runJobs: false });
      await back.service.close();
    } finally {
      await store.dispose();
    }
  });

  it('a rotation moves the store to the new key: the old key alone is then refused', async () => {
    const store = testStore(kind);
    const a = newKey();
    const b = newKey();
    try {
      expect(await canaryKeyId(store, a)).toBe(keyIdOf(a));
      const rotating = await startTestService(kind, { store, runJobs: false, env: { LIVECHECK_ENCRYPTION_KEY: b, LIVECHECK_PREVIOUS_ENCRYPTION_KEYS: a } });
      await rotating.service.close();
      expect(await canaryKeyId(store, b)).toBe(keyIdOf(b));
      const error = await startFails(store, { LIVECHECK_ENCRYPTION_KEY: a });
      expect(error.message).toContain(keyIdOf(b));
    } finally {
      await store.dispose();
    }
  });

  it('two processes with different keys starting on a new store at once: one starts, one is refused', async () => {
    const store = testStore(kind);
    const keys = [newKey(), newKey()];
    try {
      const results = await Promise.allSettled(keys.map((key) => startTestService(kind, { store, runJobs: false, env: { LIVECHECK_ENCRYPTION_KEY: key } })));
      const started = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r) => r.status === 'rejected');
      expect(started).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConfigError);
      for (const r of started) await (r as PromiseFulfilledResult<Awaited<ReturnType<typeof startTestService>>>).value.service.close();
    } finally {
      await store.dispose();
    }
  });
});
