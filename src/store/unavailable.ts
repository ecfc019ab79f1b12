// Errors that mean "the store cannot be reached right now", not "this request is wrong" nor "a bug":
// the API answers them 503 with Retry-After, which clients (the SDK, the capture page) retry.

/** Socket-level failures on the way to PostgreSQL. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** SQLSTATEs: connection exceptions (class 08), the server shutting down or starting, no slots left. */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
/** node-postgres and pg-pool say these without a code. */
const DRIVER_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection closed)/;

export function isStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code)) return true;
    // The embedded store stayed locked by another process past its busy timeout.
    if (code === 'SQLITE_BUSY') return true;
  }
  if (DRIVER_MESSAGES.test(error.message)) return true;
  // AggregateError from a connect that tried several addresses.
  if (error instanceof AggregateError) return error.errors.some(isStoreUnavailable);
  return false;
}
