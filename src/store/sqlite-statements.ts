// better-sqlite3 behind Kysely with its prepared statements kept: Kysely's SQLite driver prepares
// every query anew, and on the polling path preparing cost as much as running the query.
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Wraps a database so that `prepare` returns a cached statement for SQL it has seen. Safe because
 * Kysely runs a statement to completion synchronously (`all`/`run`) on its one connection; the
 * only re-entrant use, `iterate` for streamed queries, gets a fresh statement. SQLite re-prepares a
 * cached statement by itself when a migration changes the schema.
 */
export function cachingStatements(database: BetterSqlite3.Database, capacity = 500): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  const fresh = (sql: string): SqliteStatement => database.prepare(sql);
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached) {
        if (cached.busy) return fresh(sql);
        // Re-inserting keeps the Map in least-recently-used order, oldest first.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > capacity) {
        const oldest = statements.keys().next().value;
        if (oldest !== undefined) statements.delete(oldest);
      }
      return statement;
    },
  };
}
