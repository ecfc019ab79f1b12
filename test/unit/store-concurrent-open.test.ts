// Opening one fresh store from several places at once (the server and the CLI share the SQLite file;
// API and worker processes share PostgreSQL) must apply each migration once, and every opener starts.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.js';
import { LATEST_MIGRATION } from '../../src/store/migrations.js';
import { STORE_KINDS, testStore } from '../helpers/stores.js';

const CHILD = path.resolve('test/helpers/open-store-child.ts');
const PROCESSES = 4;
const ROUNDS = 3;

interface Child {
  process: ChildProcess;
  ready: Promise<void>;
  exit: Promise<{ code: number | null; output: string }>;
}

function startChild(dataDir: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let signalReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('ready\n')) signalReady();
  });
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<{ code: number | null; output: string }>((resolve) => child.on('exit', (code) => resolve({ code, output })));
  // A child that dies while loading never says ready; let the round go on and report its output.
  return { process: child, ready: Promise.race([ready, exit.then(() => undefined)]), exit };
}

/** Names in kysely_migration, in order. */
function appliedMigrations(dataDir: string): string[] {
  const database = new BetterSqlite3(path.join(dataDir, 'livecheck.sqlite'), { readonly: true });
  try {
    return database.prepare('select name from kysely_migration order by name').all().map((r) => (r as { name: string }).name);
  } finally {
    database.close();
  }
}

/** `names` in order, as kysely_migration lists them: none twice, the newest there. */
function expectEachMigrationOnce(names: string[]): void {
  expect(names).toEqual([...new Set(names)]);
  expect(names.at(-1)).toBe(LATEST_MIGRATION);
}

describe('migrations on SQLite under a cross-process lock', () => {
  it(`${PROCESSES} processes opening a fresh store at once all start, and each migration is applied once`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'livecheck-migrate-'));
      try {
        const children = Array.from({ length: PROCESSES }, () => startChild(dataDir));
        // Everyone loads its code first, then all open the store together.
        await Promise.all(children.map((c) => c.ready));
        for (const c of children) c.process.stdin?.end('go\n');
        const exits = await Promise.all(children.map((c) => c.exit));
        expect(exits.map((e) => e.output.trim()), `round ${round}`).toEqual(exits.map(() => 'ready\nopened'));
        expect(exits.map((e) => e.code)).toEqual(exits.map(() => 0));
        expectEachMigrationOnce(appliedMigrations(dataDir));
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  }, 120_000);
});

describe.each(STORE_KINDS)('stores opened at once within one process on %s', (kind) => {
  it('all open, waiting for each other without blocking the process, and each migration is applied once', async () => {
    for (let round = 0; round < 3; round++) {
      const t = testStore(kind);
      try {
        const opening = await Promise.allSettled(Array.from({ length: 3 }, () => openStore({ databaseUrl: t.databaseUrl, dataDir: t.dataDir, schema: t.schema, poolSize: 2 })));
        const stores = opening.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
        const names = stores[0] ? (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(stores[0].db)).rows.map((r) => r.name) : [];
        await Promise.all(stores.map((s) => s.close()));
        expect(opening.map((o) => (o.status === 'fulfilled' ? 'opened' : String(o.reason))), `round ${round}`).toEqual(['opened', 'opened', 'opened']);
        expectEachMigrationOnce(names);
      } finally {
        await t.dispose();
      }
    }
  });
});

describe('a migration that fails on SQLite', () => {
  it('leaves the store as it was (the pending migrations are one transaction), and a later start applies them all', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'livecheck-migrate-'));
    try {
      // A table in the way of the second migration: the first runs, then the second fails.
      const database = new BetterSqlite3(path.join(dataDir, 'livecheck.sqlite'));
      database.exec('create table webhook_endpoints (squatter integer)');
      database.close();
      await expect(openStore({ dataDir })).rejects.toThrow(/webhook_endpoints/);
      const after = new BetterSqlite3(path.join(dataDir, 'livecheck.sqlite'));
      const tables = after.prepare("select name from sqlite_master where type = 'table' order by name").all().map((r) => (r as { name: string }).name);
      const applied = tables.includes('kysely_migration') ? after.prepare('select name from kysely_migration').all() : [];
      // Nothing of the first migration stayed behind, so nothing is half applied.
      expect(tables).not.toContain('api_keys');
      expect(applied).toEqual([]);
      after.exec('drop table webhook_endpoints');
      after.close();
      const store = await openStore({ dataDir });
      await store.close();
      expectEachMigrationOnce(appliedMigrations(dataDir));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
