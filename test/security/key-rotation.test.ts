// Rotating the encryption key: a new key seals from now on, the previous one still opens what it
// sealed, and once retention has deleted that data the previous key can be dropped.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { sweepOnce } from '../../src/jobs/sweeper.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { startTestService } from '../helpers/service.js';
import { STORE_KINDS, testStore } from '../helpers/stores.js';
import { type Pool, cellsAsBytes, createCheck, dumpTables, runSession, startPool, stillFrames } from './session.js';

let pool: Pool;
let frames: Buffer[];
beforeAll(async () => {
  pool = await startPool();
  frames = await stillFrames(8);
});
afterAll(() => pool.close());

const keyIdOf = (base64: string) => createHash('sha256').update(Buffer.from(base64, 'base64')).digest().subarray(0, 4).toString('hex');

describe('previous encryption keys configuration', () => {
  it('reads a comma-separated list and refuses bad or orphaned keys, naming the variable', () => {
    const [a, b] = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64')];
    expect(loadConfig({ LIVECHECK_ENCRYPTION_KEY: a, LIVECHECK_PREVIOUS_ENCRYPTION_KEYS: ` ${b} ,` }).previousEncryptionKeys).toEqual([b]);
    for (const env of [{ LIVECHECK_ENCRYPTION_KEY: a, LIVECHECK_PREVIOUS_ENCRYPTION_KEYS: 'c2hvcnQ=' }, { LIVECHECK_PREVIOUS_ENCRYPTION_KEYS: b }]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow('LIVECHECK_PREVIOUS_ENCRYPTION_KEYS');
    }
  });
});

describe.each(STORE_KINDS)('key rotation on %s', (kind) => {
  it('old data stays readable with the previous key, new data is sealed with the new one, and retention ends the old key', async () => {
    const store = testStore(kind);
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    try {
      const before = await startTestService(kind, { analyzer: pool, store, env: { LIVECHECK_ENCRYPTION_KEY: oldKey } });
      let key: string;
      let session: Awaited<ReturnType<typeof runSession>>;
      try {
        key = await before.tenantKey('acme');
        session = await runSession(before, key, frames, { retain_image: true });
        expect(session.result.status).toBe(200);
      } finally {
        await before.service.close();
      }

      const after = await startTestService(kind, { analyzer: pool, store, env: { LIVECHECK_ENCRYPTION_KEY: newKey, LIVECHECK_PREVIOUS_ENCRYPTION_KEYS: oldKey } });
      try {
        const read = await after.request(`/liveness_check?token=${session.check.token}`, { key });
        expect(read.status).toBe(200);
        expect(await read.json()).toEqual(session.result.body);
        const fresh = await createCheck(after, key);

        const db = after.service.store.db;
        const sealedKeyId = (sealed: Buffer) => sealed.subarray(1, 5).toString('hex');
        const oldRow = await db.selectFrom('liveness_checks').select('token_sealed').where('id', '=', session.check.id).executeTakeFirstOrThrow();
        const newRow = await db.selectFrom('liveness_checks').select('token_sealed').where('id', '=', fresh.id).executeTakeFirstOrThrow();
        expect(sealedKeyId(oldRow.token_sealed)).toBe(keyIdOf(oldKey));
        expect(sealedKeyId(newRow.token_sealed)).toBe(keyIdOf(newKey));
        const image = await db.selectFrom('check_images').select('image_sealed').where('check_id', '=', session.check.id).executeTakeFirstOrThrow();
        expect(() => new SecretBox([Buffer.from(newKey, 'base64')]).decrypt(image.image_sealed)).toThrow(/unknown key/);

        // After the result TTL nothing sealed with the old key is left: it can be removed.
        after.clock.advance(31 * 86_400_000);
        await sweepOnce({ db, checks: after.service.checks, clock: after.clock });
        await createCheck(after, key);
        const sealed = cellsAsBytes(await dumpTables(after)).filter((cell) => cell[0] === 1 && cell.length > 33);
        expect(sealed.some((cell) => sealedKeyId(cell) === keyIdOf(newKey))).toBe(true);
        expect(sealed.some((cell) => sealedKeyId(cell) === keyIdOf(oldKey))).toBe(false);
      } finally {
        await after.service.close();
      }
    } finally {
      await store.dispose();
    }
  });
});
