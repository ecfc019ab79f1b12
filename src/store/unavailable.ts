// Errors that mean "the store cannot take this request right now", not "this request is wrong" nor
// "a bug": the API answers them 503 with Retry-After, which clients (the SDK, the capture page) retry.
import { isSqliteBusy } from './sqlite-migration-lock.js';

/** Socket-level failures on the way to PostgreSQL. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** SQLSTATEs: connection exceptions (class 08), the server shutting down or starting, no slots left. */
const UNREACHABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
/** node-postgres and pg-pool say these without a code. */
const DRIVER_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection closed)/;

/**
 * 'unreachable': a restart, a failover, a network fault, a lock held too long; passes by itself.
 * 'full': the disk (or SQLite's page limit) is full; needs an operator. Undefined: anything else.
 */
export type StoreUnavailable = 'unreachable' | 'full';

export function storeUnavailable(error: unknown): StoreUnavailable | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code === 'SQLITE_FULL' || code === '53100') return 'full';
    if (NETWORK_CODES.has(code) || UNREACHABLE_SQLSTATE.test(code)) return 'unreachable';
    // The embedded store stayed locked by another process past its busy timeout.
    if (isSqliteBusy(error)) return 'unreachable';
  }
  if (DRIVER_MESSAGES.test(error.message)) return 'unreachable';
  // AggregateError from a connect that tried several addresses.
  if (error instanceof AggregateError) return error.errors.map(storeUnavailable).find((reason) => reason !== undefined);
  return undefined;
}
