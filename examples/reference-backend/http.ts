// The little that node:http lacks for this example: routes, bodies with a size limit, answers with
// safe headers. Your framework does all of this; nothing livecheck-specific lives here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Session } from './sessions.js';

/** One request as the routes see it. */
export interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  /** The signed-in user's session, when the request carries a valid session cookie. */
  session: Session | undefined;
}

export type Route = (exchange: Exchange) => Promise<void>;

/** Keyed by `METHOD /path`. */
export type Routes = Record<string, Route>;

/** An answer decided before the route finished: the dispatcher sends `status` with a short page. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > limitBytes) throw new HttpError(413, 'request body too large');
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

export async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const type = request.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) throw new HttpError(415, 'expected a form');
  return new URLSearchParams((await readBody(request, 4096)).toString('utf8'));
}

/**
 * Whether a state-changing browser request comes from this site's own pages. The SameSite=Lax
 * session cookie already keeps cross-site POSTs unauthenticated; this refuses them outright too.
 * Sec-Fetch-Site when the browser sends it, else Origin (absent from non-browser clients).
 */
export function fromOwnPages(request: IncomingMessage, publicOrigin: string): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = request.headers.origin;
  return origin === undefined || origin === publicOrigin;
}

// Nothing here may be cached, and no URL may reach another site as a Referer: /verify/return
// carries lc_token in its query. `same-origin`, not `no-referrer`: under `no-referrer` a browser
// sends `Origin: null` even with a form posted to its own site.
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
};

export function sendHtml(response: ServerResponse, status: number, html: string, scriptNonce?: string): void {
  const scripts = scriptNonce === undefined ? "'none'" : `'nonce-${scriptNonce}'`;
  response
    .writeHead(status, {
      ...COMMON_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src ${scripts}; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'`,
    })
    .end(html);
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { ...COMMON_HEADERS, 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** 303: the browser follows with a GET, whatever the method it came with. */
export function seeOther(response: ServerResponse, location: string): void {
  response.writeHead(303, { ...COMMON_HEADERS, location }).end();
}

export function sendEmpty(response: ServerResponse, status: number): void {
  response.writeHead(status, COMMON_HEADERS).end();
}
