// Who is signed in to the review console. A session is opened with a tenant API key (that tenant's
// checks only) or the admin key (every tenant), lives in the store (so sign-out and key revocation
// end it at once) and carries a CSRF token derived from its secret. Knows nothing of cookies or HTTP.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { LivecheckError } from '../errors.js';
import { hashSecret, secretsEqual } from '../security/secrets.js';
import { adminKeyHashes } from '../store/api-keys.js';
import {
  activeKeyMode,
  deleteConsoleSession,
  deleteExpiredConsoleSessions,
  findConsoleSession,
  insertConsoleSession,
  touchConsoleSession,
} from '../store/console-sessions.js';
import type { CheckMode, Database } from '../store/schema.js';
import type { ApiKeys } from '../tenancy/api-keys.js';

/** The admin sees every tenant; a tenant sees its own checks and settings only. */
/** A tenant session sees the checks of its key's mode (live or test), as the API does. */
export type ConsolePrincipal = { kind: 'admin' } | { kind: 'tenant'; tenant: string; apiKeyId: string; mode: CheckMode };

export interface OpenedSession {
  /** Goes into the cookie; never stored. */
  secret: string;
  csrfToken: string;
  principal: ConsolePrincipal;
  expiresAt: number;
}

export interface ConsoleSessionSettings {
  /** A session ends this long after sign-in, however busy. */
  maxAgeMs: number;
  /** …or this long after its last request. */
  idleMs: number;
}

export const DEFAULT_CONSOLE_SESSION: ConsoleSessionSettings = { maxAgeMs: 8 * 3_600_000, idleMs: 3_600_000 };

/** Writing last_seen_at on every request would turn each read into a write; once a minute is enough. */
const TOUCH_EVERY_MS = 60_000;
const SECRET_PATTERN = /^lcs_[A-Za-z0-9_-]{43}$/;

/** Bound to the session, unreadable cross-site (the cookie is HttpOnly and the API answers only same-origin). */
export function csrfTokenFor(secret: string): string {
  return createHash('sha256').update(`livecheck-console-csrf\0${secret}`).digest('base64url');
}

export interface ConsoleSessionsDeps {
  db: Kysely<Database>;
  clock: Clock;
  keys: ApiKeys;
  /** LIVECHECK_ADMIN_KEY when configured; otherwise admin keys live in the store. */
  configuredAdminKey: string | undefined;
  settings?: ConsoleSessionSettings;
}

export class ConsoleSessions {
  private readonly settings: ConsoleSessionSettings;

  constructor(private readonly deps: ConsoleSessionsDeps) {
    this.settings = deps.settings ?? DEFAULT_CONSOLE_SESSION;
  }

  /** Opens a session for a tenant key or the admin key; the same refusal for every wrong key. */
  async signIn(key: string): Promise<OpenedSession> {
    const { keys, db, clock } = this.deps;
    const now = clock.now();
    let principal: ConsolePrincipal | undefined;
    let credential: string | undefined;
    if (await keys.authenticateAdmin(key)) {
      principal = { kind: 'admin' };
      credential = hashSecret(key);
    } else {
      const tenant = await keys.authenticateTenant(key);
      if (tenant) {
        principal = { kind: 'tenant', tenant: tenant.tenant, apiKeyId: tenant.apiKeyId, mode: tenant.mode };
        credential = tenant.apiKeyId;
      }
    }
    if (!principal || credential === undefined) throw new LivecheckError('unauthorized', 'that key is not a valid API key or admin key');
    await deleteExpiredConsoleSessions(db, now);
    const secret = `lcs_${randomBytes(32).toString('base64url')}`;
    const expiresAt = now + this.settings.maxAgeMs;
    await insertConsoleSession(db, {
      id_hash: hashSecret(secret),
      principal: principal.kind,
      tenant: principal.kind === 'tenant' ? principal.tenant : null,
      credential,
      created_at: now,
      last_seen_at: now,
      expires_at: expiresAt,
    });
    return { secret, csrfToken: csrfTokenFor(secret), principal, expiresAt };
  }

  /** The session's principal, or undefined when it is unknown, ended, idle too long or its key was revoked. */
  async authenticate(secret: string): Promise<ConsolePrincipal | undefined> {
    if (!SECRET_PATTERN.test(secret)) return undefined;
    const { db, clock } = this.deps;
    const now = clock.now();
    const idHash = hashSecret(secret);
    const row = await findConsoleSession(db, idHash, now);
    if (!row) return undefined;
    const ended = async () => {
      await deleteConsoleSession(db, idHash);
      return undefined;
    };
    if (now - row.last_seen_at > this.settings.idleMs) return ended();
    let principal: ConsolePrincipal;
    if (row.principal === 'admin') {
      if (!(await this.adminKeyStillValid(row.credential))) return ended();
      principal = { kind: 'admin' };
    } else {
      // Read on every request, not cached: revoking the key ends the session at once.
      const mode = await activeKeyMode(db, row.credential);
      if (mode === undefined || row.tenant === null) return ended();
      principal = { kind: 'tenant', tenant: row.tenant, apiKeyId: row.credential, mode };
    }
    if (now - row.last_seen_at > TOUCH_EVERY_MS) await touchConsoleSession(db, idHash, now);
    return principal;
  }

  async signOut(secret: string): Promise<void> {
    if (SECRET_PATTERN.test(secret)) await deleteConsoleSession(this.deps.db, hashSecret(secret));
  }

  private async adminKeyStillValid(credential: string): Promise<boolean> {
    const configured = this.deps.configuredAdminKey;
    if (configured !== undefined) return secretsEqual(hashSecret(configured), credential);
    let match = false;
    for (const stored of await adminKeyHashes(this.deps.db)) match = secretsEqual(stored, credential) || match;
    return match;
  }
}
