// Single-row reads by one key on the request hot path (a poll of GET /liveness_check), run on the
// raw handle behind Kysely: Kysely still builds and types the SQL, but its drivers cost more than the
// lookup. The reads that arrive in the same turn of the event loop go to the store as one query.
import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';

/** The raw connection behind a Store's Kysely instance. */
export type NativeHandle = { dialect: 'sqlite'; database: BetterSqlite3.Database } | { dialect: 'postgres'; pool: pg.Pool };

export interface PointReadSql {
  /**
   * The rows for a set of keys, bound as the only parameter: a JSON array of strings on SQLite
   * (`key in (select value from json_each(?))`), an array on PostgreSQL (`key = any($1)`).
   * Each row carries `keyColumn`.
   */
  many: string;
  keyColumn: string;
}

export interface PointRead<R> {
  (key: string): Promise<R | undefined>;
  /** Queries sent and keys asked for, so far: keys / queries is the batching achieved. */
  readonly stats: { queries: number; keys: number };
}

/** At most this many keys in one query; the rest go in the next. */
const MAX_BATCH = 256;

/**
 * At most this many queries of one reader in flight at once (on PostgreSQL; SQLite answers before
 * the next read can arrive). Reads that arrive meanwhile wait and go together in the next query,
 * sent as soon as one returns: under load the batches grow instead of the number of busy backends.
 * Unbounded, each API process kept most of its pool's backends busy with polls under saturation,
 * leaving none for the rest of its work and taking CPU from every other process on the server.
 */
const MAX_IN_FLIGHT = 2;

/**
 * A PostgreSQL read not answered by then fails its batch (503, retried by clients) and frees its
 * slot: with two slots, two queries stuck on a connection whose peer vanished without a word would
 * otherwise hold every poll of the process until TCP gives up on it, hours later.
 */
const POSTGRES_TIMEOUT_MS = 5_000;

interface Waiter<R> {
  resolve: (row: R | undefined) => void;
  reject: (error: unknown) => void;
}

type Batch<R> = Map<string, Array<Waiter<R>>>;

/**
 * Reads asked for in the same turn of the event loop share one query (the reads of concurrent
 * requests), and so do reads that arrive while MAX_IN_FLIGHT queries are running. Each statement
 * costs a read transaction and, on PostgreSQL, a round trip and a backend wake-up; shared, that
 * cost is paid once per batch instead of once per request.
 */
export function pointRead<R>(handle: NativeHandle, sql: PointReadSql, options: { timeoutMs?: number } = {}): PointRead<R> {
  const stats = { queries: 0, keys: 0 };
  const query =
    handle.dialect === 'sqlite' ? sqliteQuery(handle.database, sql.many) : postgresQuery(handle.pool, sql.many, options.timeoutMs ?? POSTGRES_TIMEOUT_MS);
  let waiting: Batch<R> = new Map();
  let scheduled = false;
  let inFlight = 0;

  const send = (batch: Batch<R>) => {
    const keys = [...batch.keys()];
    stats.queries++;
    stats.keys += keys.length;
    inFlight++;
    query(keys).then(
      (rows) => {
        settled();
        const byKey = new Map<string, R>();
        for (const row of rows) byKey.set(String(row[sql.keyColumn]), row as R);
        for (const [key, waiters] of batch) for (const waiter of waiters) waiter.resolve(byKey.get(key));
      },
      (error: unknown) => {
        settled();
        for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
      },
    );
  };

  const settled = () => {
    inFlight--;
    // The reads that waited for a free slot go now (those of this turn join them: flush runs later).
    if (waiting.size > 0 && !scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  const flush = () => {
    scheduled = false;
    while (waiting.size > 0 && inFlight < MAX_IN_FLIGHT) {
      let batch: Batch<R>;
      if (waiting.size <= MAX_BATCH) {
        batch = waiting;
        waiting = new Map();
      } else {
        batch = new Map();
        for (const [key, waiters] of waiting) {
          batch.set(key, waiters);
          waiting.delete(key);
          if (batch.size === MAX_BATCH) break;
        }
      }
      send(batch);
    }
  };

  const read = (key: string): Promise<R | undefined> =>
    new Promise((resolve, reject) => {
      const waiters = waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else waiting.set(key, [{ resolve, reject }]);
      if (!scheduled && inFlight < MAX_IN_FLIGHT) {
        scheduled = true;
        // After the I/O phase: every request parsed in this turn joins the same query.
        setImmediate(flush);
      }
    });
  return Object.assign(read, { stats });
}

type Rows = Array<Record<string, unknown>>;

function sqliteQuery(database: BetterSqlite3.Database, text: string): (keys: string[]) => Promise<Rows> {
  // Rows as arrays, made into objects here: better-sqlite3 builds each row object property by
  // property from C++, which costs a third more than the query itself (bench/poll-profile.ts).
  const statement = database.prepare(text).raw(true);
  const names = statement.columns().map((column) => column.name);
  const toObject = (values: unknown[]) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) row[names[i] as string] = values[i];
    return row;
  };
  return (keys) => {
    try {
      return Promise.resolve((statement.all(JSON.stringify(keys)) as unknown[][]).map(toObject));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

function postgresQuery(pool: pg.Pool, text: string, timeoutMs: number): (keys: string[]) => Promise<Rows> {
  // Named: the server parses and plans it once per connection.
  const name = `lc_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
  return (keys) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(Object.assign(new Error(`the store did not answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
      pool.query({ name, text, values: [keys] }).then(
        (result) => {
          clearTimeout(timer);
          resolve(result.rows as Rows);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
}
