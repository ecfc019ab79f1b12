// Cookie sessions kept in memory, standing in for your framework's session store. What matters for
// livecheck is only that a check's token lives here, on the server, tied to one signed-in user.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Session {
  id: string;
  userId: string;
  /** The check this user started last. The token never reaches the browser. */
  livecheck?: { checkId: string; token: string };
}

const COOKIE = 'session';

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  /** `secure` when the site is served over https, so the cookie never travels in clear. */
  constructor(private readonly secure: boolean) {}

  /** The request's session, when its cookie names one. */
  find(request: IncomingMessage): Session | undefined {
    const id = cookieValue(request.headers.cookie, COOKIE);
    return id === undefined ? undefined : this.sessions.get(id);
  }

  /** A new session id on every sign-in, so an id planted in a browser beforehand is worthless. */
  start(response: ServerResponse, userId: string): Session {
    const session: Session = { id: randomBytes(32).toString('base64url'), userId };
    this.sessions.set(session.id, session);
    response.setHeader('set-cookie', this.cookie(session.id));
    return session;
  }

  end(session: Session, response: ServerResponse): void {
    this.sessions.delete(session.id);
    response.setHeader('set-cookie', this.cookie('', 0));
  }

  // SameSite=Lax, not Strict: the user comes back from livecheck's capture page by a cross-site
  // navigation, and a Strict cookie would not be sent with it. Lax still leaves it off cross-site POSTs.
  private cookie(value: string, maxAge?: number): string {
    const parts = [`${COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
    if (maxAge !== undefined) parts.push(`Max-Age=${maxAge}`);
    if (this.secure) parts.push('Secure');
    return parts.join('; ');
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const [key, ...value] = pair.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
