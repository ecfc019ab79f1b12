// For the reference backend's tests: a browser with one cookie jar, a record of what the backend
// asks livecheck, the capture protocol played to its end, and webhook signing written from the spec.
import { createHmac } from 'node:crypto';
import { blankFrameUri } from '../client/helpers.js';

/** A browser for one site: keeps its session cookie, sends it only there, follows no redirect. */
export class Browser {
  private cookie: string | undefined;

  constructor(private readonly site: string) {}

  async get(target: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.send('GET', target, undefined, headers);
  }

  /** A form POST from the site's own page (as a browser sends it, with the page's Origin). */
  async post(target: string, form: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Response> {
    return this.send('POST', target, new URLSearchParams(form).toString(), {
      origin: new URL(this.site).origin,
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    });
  }

  async signIn(name: string): Promise<void> {
    const response = await this.post('/sign-in', { name });
    if (response.status !== 303 || !this.cookie) throw new Error(`sign-in failed: ${response.status}`);
  }

  /** What <main data-state> of the home page says. */
  async accountState(): Promise<string | undefined> {
    return pageState(await (await this.get('/')).text());
  }

  private async send(method: string, target: string, body: string | undefined, headers: Record<string, string>): Promise<Response> {
    const url = new URL(target, this.site);
    const sameSite = url.origin === new URL(this.site).origin;
    const response = await fetch(url, {
      method,
      body,
      redirect: 'manual',
      headers: { ...headers, ...(sameSite && this.cookie ? { cookie: this.cookie } : {}) },
    });
    const setCookie = response.headers.get('set-cookie');
    if (sameSite && setCookie) {
      const pair = setCookie.split(';')[0] ?? '';
      this.cookie = /Max-Age=0/i.test(setCookie) ? undefined : pair;
    }
    return response;
  }
}

export function pageState(html: string): string | undefined {
  return /<main data-state="([a-z_]+)">/.exec(html)?.[1];
}

/** One request the backend made to livecheck through its injected fetch. */
export interface LivecheckCall {
  method: string;
  path: string;
  /** The `token` query parameter of a GET. */
  token: string | undefined;
  status: number;
  /** The JSON body sent with a POST. */
  sent: Record<string, unknown> | undefined;
  /** The check a POST /liveness_check created. */
  created: { id: string; token: string; url: string } | undefined;
}

export function recordingFetch(calls: LivecheckCall[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : input);
    const method = init?.method ?? 'GET';
    calls.push({
      method,
      path: url.pathname,
      token: url.searchParams.get('token') ?? undefined,
      status: response.status,
      sent: typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : undefined,
      created: method === 'POST' && response.status === 201 ? ((await response.clone().json()) as LivecheckCall['created']) : undefined,
    });
    return response;
  };
}

export interface FinishAnswer {
  status: 'in_progress' | 'complete' | 'failed';
  redirect?: string;
}

/**
 * What the capture page does, through the real protocol: start, a few frames, finish. The frames
 * are blank, so the check ends `failed` with `no_face`.
 */
export async function captureBlankAndFinish(captureUrl: string, frames = 6): Promise<FinishAnswer> {
  const { origin, pathname } = new URL(captureUrl);
  const api = `${origin}/v1/capture/${pathname.replace('/c/', '')}`;
  const post = (path: string, json?: unknown) =>
    fetch(`${api}${path}`, {
      method: 'POST',
      ...(json === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }),
    });
  const start = await post('/start');
  if (start.status !== 200) throw new Error(`capture start: ${start.status} ${await start.text()}`);
  const { challenge } = (await start.json()) as { challenge: { steps: string[] } };
  const image = await blankFrameUri();
  const batch = Array.from({ length: frames }, (_, i) => ({ t: i * 250, step: Math.min(challenge.steps.length - 1, i - 1), image }));
  const sent = await post('/frames', { frames: batch });
  if (sent.status !== 202) throw new Error(`capture frames: ${sent.status} ${await sent.text()}`);
  const finish = await post('/finish');
  if (finish.status !== 202) throw new Error(`capture finish: ${finish.status} ${await finish.text()}`);
  return (await finish.json()) as FinishAnswer;
}

/** Standard Webhooks headers for `body`, signed with `secret` (its base64 part after `whsec_`). */
export function webhookHeaders(secret: string, id: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${signature}`,
  };
}
