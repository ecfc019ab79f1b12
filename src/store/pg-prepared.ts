// Hot queries as named prepared statements on PostgreSQL: the server then parses and plans each once
// per connection instead of on every poll, which was most of its cost for GET /liveness_check.
import { createHash } from 'node:crypto';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

const names = new Map<string, string>();

/**
 * Marks SQL to run as a named prepared statement. Only for statements with an explicit column list:
 * a prepared `select *` fails once a migration adds a column under a running process.
 */
export function prepareOnPostgres(sql: string): void {
  if (!names.has(sql)) names.set(sql, `lc_${createHash('sha256').update(sql).digest('hex').slice(0, 16)}`);
}

/** The pool as Kysely sees it, with marked SQL sent by name. */
export function preparingPool(pool: pg.Pool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      function query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
      function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
      function query<R>(sqlOrCursor: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
        if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor as never) as PostgresCursor<R>;
        const name = names.get(sqlOrCursor);
        const values = [...(parameters ?? [])];
        const result = name ? client.query({ name, text: sqlOrCursor, values }) : client.query(sqlOrCursor, values);
        return result as unknown as Promise<PostgresQueryResult<R>>;
      }
      return { query, release: (destroy?: boolean) => client.release(destroy) };
    },
    end: () => pool.end(),
  };
}
