// One HTTP POST to a webhook URL, guarded against SSRF: the host is resolved on every attempt, every
// address is checked, and the connection goes to the checked address (a custom `lookup`), so a DNS
// answer that changes between the check and the connect cannot point it elsewhere. No redirects.
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { forbiddenReason } from './address-policy.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** The URL may not be delivered to; not worth a connection attempt. */
export class DeliveryRefused extends Error {
  override name = 'DeliveryRefused';
}

export interface PostOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  resolve?: Resolver;
}

/** Most of a response body that is read; the status code is all a delivery needs. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** The address to connect to, after refusing any URL that is or resolves to a forbidden address. */
export async function resolveTarget(url: URL, options: Pick<PostOptions, 'allowPrivate' | 'resolve'>): Promise<ResolvedAddress> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new DeliveryRefused(`refused: ${url.protocol} is not http(s)`);
  if (url.username || url.password) throw new DeliveryRefused('refused: credentials in the URL');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = isIP(host);
  let addresses: ResolvedAddress[];
  if (literal) {
    addresses = [{ address: host, family: literal }];
  } else {
    try {
      addresses = await (options.resolve ?? systemResolver)(host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : 'failed');
      throw new Error(`dns lookup of ${host}: ${code}`);
    }
  }
  const first = addresses[0];
  if (!first) throw new Error(`dns lookup of ${host}: no address`);
  if (!options.allowPrivate) {
    // Refuse when any answer is forbidden, not just the first: the client may try them all.
    for (const { address } of addresses) {
      const reason = forbiddenReason(address);
      if (reason) throw new DeliveryRefused(`refused: ${host === address ? address : `${host} resolves to ${address}`}, a ${reason} address (set LIVECHECK_ALLOW_PRIVATE_WEBHOOKS=true to allow)`);
    }
  }
  return first;
}

/** POSTs `body` and resolves with the response status; rejects on refusal, network error or timeout. */
export async function postWebhook(urlText: string, body: string, headers: Record<string, string>, options: PostOptions): Promise<number> {
  const url = new URL(urlText);
  const target = await resolveTarget(url, options);
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [target]);
    else callback(null, target.address, target.family);
  };
  const send = url.protocol === 'https:' ? https.request : http.request;
  const signal = AbortSignal.timeout(options.timeoutMs);
  return new Promise<number>((resolve, reject) => {
    const request = send(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: false,
        lookup: pinned,
        signal,
      },
      (response) => {
        resolve(response.statusCode ?? 0);
        // Drain a little so the receiver is not cut off mid-write, but never wait on a slow body.
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) response.destroy();
        });
        response.on('error', () => undefined);
      },
    );
    request.on('error', (error) => {
      reject(signal.aborted ? new Error(`timed out after ${options.timeoutMs / 1000} s`) : error);
    });
    request.end(body);
  });
}
