import type { CookiePolicy } from '../http-session.js';
import type { ConsoleReview } from '../review.js';
import type { ConsoleSessions } from '../sessions.js';
import type { TenantAdmin } from '../tenant-admin.js';

/** What the console's routes use; built once in src/console/register.ts. */
export interface ConsoleRouteDeps {
  sessions: ConsoleSessions;
  review: ConsoleReview;
  admin: TenantAdmin;
  cookies: CookiePolicy;
  /** Session lifetime, for the cookie's Max-Age. */
  sessionMaxAgeSeconds: number;
}

export const consoleTags = { tags: ['console'] };
