// Which errors mean "the store cannot take requests now" (503, retry) and which are bugs or bad input.
import { describe, expect, it } from 'vitest';
import { storeUnavailable } from '../../src/store/unavailable.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('storeUnavailable', () => {
  it('is true for network failures, PostgreSQL shutting down or full, and driver disconnects', () => {
    for (const error of [
      withCode('ECONNREFUSED'),
      withCode('ECONNRESET'),
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('57P03', 'the database system is starting up'),
      withCode('53300', 'sorry, too many clients already'),
      withCode('08006', 'connection failure'),
      withCode('SQLITE_BUSY', 'database is locked'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new AggregateError([withCode('ECONNREFUSED')], 'all addresses failed'),
    ]) {
      expect(storeUnavailable(error), String(error)).toBe('unreachable');
    }
  });

  it("is 'full' for a full disk on either store", () => {
    expect(storeUnavailable(withCode('SQLITE_FULL', 'database or disk is full'))).toBe('full');
    expect(storeUnavailable(withCode('53100', 'could not extend file: No space left on device'))).toBe('full');
  });

  it('is false for constraint violations, SQL errors, bugs and non-errors', () => {
    for (const error of [
      withCode('23505', 'duplicate key value violates unique constraint'),
      withCode('42P01', 'relation "x" does not exist'),
      withCode('SQLITE_CONSTRAINT_UNIQUE'),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      'ECONNREFUSED',
      undefined,
    ]) {
      expect(storeUnavailable(error), String(error)).toBeUndefined();
    }
  });
});
