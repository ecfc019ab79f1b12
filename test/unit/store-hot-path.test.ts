// The polling path's store shortcuts: statements kept on SQLite, queries compiled once, the poll's
// query prepared by name on PostgreSQL. Each must return exactly what the plain query returns.
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledOnce } from '../../src/store/compiled-once.js';
import { type Store, openStore } from '../../src/store/database.js';
import { polledCheckReader } from '../../src/store/checks.js';
import { pointRead } from '../../src/store/point-read.js';
import { cachingStatements } from '../../src/store/sqlite-statements.js';
import { STORE_KINDS, type TestStore, testStore } from '../helpers/stores.js';

describe('cachingStatements', () => {
  it('reuses a statement for the same SQL, keeps at most its capacity, and never hands out a busy one', () => {
    const raw = new BetterSqlite3(':memory:');
    const db = cachingStatements(raw, 2);
    raw.exec('create table t (n integer); insert into t values (1), (2), (3)');
    const a = db.prepare('select n from t order by n');
    expect(db.prepare('select n from t order by n')).toBe(a);
    // While `a` is being iterated, the same SQL gets a fresh statement instead of a busy one.
    const iterator = a.iterate([]);
    iterator.next();
    const b = db.prepare('select n from t order by n');
    expect(b).not.toBe(a);
    expect(b.all([])).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    iterator.return?.();
    // Two more SQL texts push the oldest out.
    db.prepare('select 1 as one');
    db.prepare('select 2 as two');
    expect(db.prepare('select n from t order by n')).not.toBe(a);
    db.close();
  });
});

describe.each(STORE_KINDS)('hot-path queries on %s', (kind) => {
  let t: TestStore;
  let store: Store;
  const byName = compiledOnce((db: Store['db'], name: string) => db.selectFrom('api_keys').select(['id', 'tenant']).where('tenant', '=', name));

  beforeAll(async () => {
    t = testStore(kind);
    store = await openStore({ databaseUrl: t.databaseUrl, dataDir: t.dataDir, schema: t.schema });
    const now = Date.now();
    for (const tenant of ['acme', 'globex']) {
      await store.db
        .insertInto('api_keys')
        .values({ id: `key-${tenant}`, tenant, key_hash: `hash-${tenant}`, key_hint: 'lc_…', mode: 'live', created_at: now, revoked_at: null })
        .execute();
    }
  });
  afterAll(async () => {
    await store.close();
    await t.dispose();
  });

  it('a query compiled once answers each new value as the plain query does', async () => {
    for (const tenant of ['acme', 'globex', 'nobody', 'acme']) {
      const plain = await store.db.selectFrom('api_keys').select(['id', 'tenant']).where('tenant', '=', tenant).execute();
      expect(await byName(store.db, tenant)).toEqual(plain);
    }
    // Inside a transaction (another handle) it compiles for that handle and still answers right.
    await store.db.transaction().execute(async (trx) => {
      expect(await byName(trx as unknown as Store['db'], 'globex')).toEqual([{ id: 'key-globex', tenant: 'globex' }]);
    });
  });

  it('the poll reader finds a check by token hash, with the columns a poll needs', async () => {
    const read = polledCheckReader(store);
    expect(await read('no-such-hash')).toBeUndefined();
  });

  it('refuses a builder that does not bind each parameter once, in order', async () => {
    const twice = compiledOnce((db: Store['db'], name: string) => db.selectFrom('api_keys').select('id').where('tenant', '=', name).where('key_hint', '=', name));
    await expect(twice(store.db, 'acme')).rejects.toThrow(/each parameter once/);
  });
});

describe.each(STORE_KINDS)('point reads on %s', (kind) => {
  let t: TestStore;
  let store: Store;
  const many = (table: string) =>
    kind === 'sqlite'
      ? `select id, tenant, key_hash from ${table} where key_hash in (select value from json_each(?))`
      : `select id, tenant, key_hash from ${table} where key_hash = any($1)`;

  beforeAll(async () => {
    t = testStore(kind);
    store = await openStore({ databaseUrl: t.databaseUrl, dataDir: t.dataDir, schema: t.schema });
    const now = Date.now();
    const rows = Array.from({ length: 300 }, (_, i) => ({ id: `key-${i}`, tenant: `t${i}`, key_hash: `hash-${i}`, key_hint: 'lc_…', mode: 'live' as const, created_at: now, revoked_at: null }));
    await store.db.insertInto('api_keys').values(rows).execute();
  });
  afterAll(async () => {
    await store.close();
    await t.dispose();
  });

  it('answers each key as the plain query does', async () => {
    const read = pointRead<{ id: string; tenant: string }>(store.native, { many: many('api_keys'), keyColumn: 'key_hash' });
    for (const hash of ['hash-0', 'hash-299', 'hash-nobody']) {
      const plain = await store.db.selectFrom('api_keys').select(['id', 'tenant']).where('key_hash', '=', hash).executeTakeFirst();
      const row = await read(hash);
      expect(row === undefined ? undefined : { id: row.id, tenant: row.tenant }).toEqual(plain);
    }
    expect(read.stats).toEqual({ queries: 3, keys: 3 });
  });

  it('reads asked for in the same turn share one query, and each gets its own row', async () => {
    const read = pointRead<{ id: string }>(store.native, { many: many('api_keys'), keyColumn: 'key_hash' });
    const keys = ['hash-1', 'hash-2', 'hash-1', 'hash-missing', 'hash-299'];
    const rows = await Promise.all(keys.map((k) => read(k)));
    expect(rows.map((r) => r?.id)).toEqual(['key-1', 'key-2', 'key-1', undefined, 'key-299']);
    expect(read.stats).toEqual({ queries: 1, keys: 4 });
    // Reads in a later turn make a query of their own.
    expect((await read('hash-7'))?.id).toBe('key-7');
    expect(read.stats.queries).toBe(2);
  });

  it('splits a large turn into bounded queries', async () => {
    const read = pointRead<{ id: string }>(store.native, { many: many('api_keys'), keyColumn: 'key_hash' });
    const rows = await Promise.all(Array.from({ length: 300 }, (_, i) => read(`hash-${i}`)));
    expect(rows.every((r, i) => r?.id === `key-${i}`)).toBe(true);
    expect(read.stats.queries).toBe(2);
  });

  it('a failed query fails every read that shared it, and the next turn works again', async () => {
    const read = pointRead<{ id: string }>(store.native, { many: many('api_keys'), keyColumn: 'key_hash' });
    await store.db.schema.alterTable('api_keys').renameTo('api_keys_away').execute();
    try {
      const results = await Promise.allSettled([read('hash-1'), read('hash-2')]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    } finally {
      await store.db.schema.alterTable('api_keys_away').renameTo('api_keys').execute();
    }
    expect((await read('hash-3'))?.id).toBe('key-3');
  });
});

describe('point reads on PostgreSQL', () => {
  it('keep at most two queries in flight; reads that arrive meanwhile go together in the next', async () => {
    const t = testStore('postgres');
    const store = await openStore({ databaseUrl: t.databaseUrl, dataDir: t.dataDir, schema: t.schema });
    const now = Date.now();
    await store.db
      .insertInto('api_keys')
      .values(Array.from({ length: 5 }, (_, i) => ({ id: `key-${i}`, tenant: `t${i}`, key_hash: `hash-${i}`, key_hint: 'lc_…', mode: 'live' as const, created_at: now, revoked_at: null })))
      .execute();
    const pool = new pg.Pool({ connectionString: t.databaseUrl, max: 5, options: `-c search_path="${t.schema}"` });
    try {
      // Each query takes 300 ms, so the first two are still running when the next reads arrive.
      const read = pointRead<{ id: string }>({ dialect: 'postgres', pool }, { many: 'select id, key_hash from api_keys, pg_sleep(0.3) where key_hash = any($1)', keyColumn: 'key_hash' });
      const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
      const reads: Array<Promise<{ id: string } | undefined>> = [];
      for (let i = 0; i < 5; i++) {
        reads.push(read(`hash-${i}`));
        await nextTurn();
        await nextTurn();
      }
      expect(read.stats).toEqual({ queries: 2, keys: 2 });
      const rows = await Promise.all(reads);
      expect(rows.map((r) => r?.id)).toEqual(['key-0', 'key-1', 'key-2', 'key-3', 'key-4']);
      // hash-2, hash-3 and hash-4 waited for a free slot and shared one query.
      expect(read.stats).toEqual({ queries: 3, keys: 5 });
    } finally {
      await pool.end();
      await store.close();
      await t.dispose();
    }
  });

  it('run as a named prepared statement', async () => {
    const t = testStore('postgres');
    const store = await openStore({ databaseUrl: t.databaseUrl, dataDir: t.dataDir, schema: t.schema });
    await store.db.insertInto('api_keys').values({ id: 'key-4', tenant: 't4', key_hash: 'hash-4', key_hint: 'lc_…', mode: 'live', created_at: Date.now(), revoked_at: null }).execute();
    // pg_prepared_statements lists the current connection's: a pool of one keeps both on it.
    const pool = new pg.Pool({ connectionString: t.databaseUrl, max: 1, options: `-c search_path="${t.schema}"` });
    try {
      const read = pointRead<{ id: string }>({ dialect: 'postgres', pool }, { many: 'select id, key_hash from api_keys where key_hash = any($1)', keyColumn: 'key_hash' });
      expect((await read('hash-4'))?.id).toBe('key-4');
      const { rows } = await pool.query<{ name: string; statement: string }>('select name, statement from pg_prepared_statements');
      expect(rows.some((r) => /^lc_[0-9a-f]{16}$/.test(r.name) && r.statement.includes('api_keys'))).toBe(true);
    } finally {
      await pool.end();
      await store.close();
      await t.dispose();
    }
  });
});
