// Every test runs on both stores: the embedded SQLite default and PostgreSQL at 127.0.0.1:5432.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export type StoreKind = 'sqlite' | 'postgres';
export const STORE_KINDS: StoreKind[] = ['sqlite', 'postgres'];

export const POSTGRES_URL = process.env.LIVECHECK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore {
  kind: StoreKind;
  dataDir: string;
  databaseUrl: string | undefined;
  schema: string | undefined;
  dispose(): Promise<void>;
}

/** A fresh data directory, and on PostgreSQL a fresh schema, dropped afterwards. */
export function testStore(kind: StoreKind): TestStore {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'livecheck-test-'));
  const schema = kind === 'postgres' ? `lc_test_${randomBytes(6).toString('hex')}` : undefined;
  return {
    kind,
    dataDir,
    databaseUrl: kind === 'postgres' ? POSTGRES_URL : undefined,
    schema,
    async dispose() {
      rmSync(dataDir, { recursive: true, force: true });
      if (schema) {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        try {
          await client.query(`drop schema if exists "${schema}" cascade`);
        } finally {
          await client.end();
        }
      }
    },
  };
}
