// The embedded store is readable by its owner only: it holds sealed biometric data, key digests and
// tenants' references. A new data directory is 0700, the database and the files SQLite adds are 0600.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.js';

const parent = mkdtempSync(path.join(tmpdir(), 'lc-modes-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));
const mode = (file: string) => statSync(file).mode & 0o777;

describe('embedded store file modes', () => {
  it('creates the data directory 0700 and the database, its WAL and shared memory 0600', async () => {
    const dataDir = path.join(parent, 'new', 'data');
    const store = await openStore({ dataDir });
    try {
      await store.db.insertInto('api_keys').values({ id: 'k', tenant: 't', key_hash: 'h', key_hint: 'lc_…', mode: 'live', created_at: Date.now(), revoked_at: null }).execute();
      expect(mode(dataDir)).toBe(0o700);
      for (const name of ['livecheck.sqlite', 'livecheck.sqlite-wal', 'livecheck.sqlite-shm']) {
        expect(mode(path.join(dataDir, name)), name).toBe(0o600);
      }
    } finally {
      await store.close();
    }
  });
});
