// The generated admin key: processes starting together on a new store must make exactly one between
// them, or each would print a key of its own.
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { type Store, openStore } from '../../src/store/database.js';
import { ApiKeys } from '../../src/tenancy/api-keys.js';
import { STORE_KINDS, type TestStore, testStore } from '../helpers/stores.js';

const STARTERS = 3;
const ROUNDS = 5;

describe.each(STORE_KINDS)('admin key bootstrap on %s', (kind) => {
  const opened: Store[] = [];
  const fresh: TestStore[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await Promise.all(fresh.splice(0).map((t) => t.dispose()));
  });

  async function openAll(t: TestStore): Promise<Store[]> {
    const stores: Store[] = [];
    // Each its own connection(s), as separate processes would have.
    for (let i = 0; i < STARTERS; i++) stores.push(await openStore({ databaseUrl: t.databaseUrl, dataDir: t.dataDir, schema: t.schema, poolSize: 2 }));
    opened.push(...stores);
    return stores;
  }

  it(`${STARTERS} starters at once on a new store: one key is made and works, the others get none`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const t = testStore(kind);
      fresh.push(t);
      const stores = await openAll(t);
      const keysets = stores.map((s) => new ApiKeys(s.db, systemClock, undefined));
      const made = (await Promise.all(keysets.map((k) => k.bootstrapAdminKey()))).filter((k) => k !== undefined);
      expect(made, `round ${round}`).toHaveLength(1);
      const [key] = made as [string];
      expect(await stores[0]?.db.selectFrom('admin_keys').select('id').execute()).toHaveLength(1);
      for (const keys of keysets) expect(await keys.authenticateAdmin(key)).toBe(true);
      // Started again later, nobody makes another.
      expect(await keysets[0]?.bootstrapAdminKey()).toBeUndefined();
    }
  });

  it('makes none when an admin key is configured or the store has a tenant key', async () => {
    const t = testStore(kind);
    fresh.push(t);
    const [store] = (await openAll(t)) as [Store];
    expect(await new ApiKeys(store.db, systemClock, 'configured-admin-key-0123456789').bootstrapAdminKey()).toBeUndefined();
    await new ApiKeys(store.db, systemClock, 'configured-admin-key-0123456789').create('acme');
    expect(await new ApiKeys(store.db, systemClock, undefined).bootstrapAdminKey()).toBeUndefined();
    expect(await store.db.selectFrom('admin_keys').select('id').execute()).toEqual([]);
  });
});
