// The guarded POST on its own: the connection goes to the address that was checked, with the URL's
// host in the Host header; timeouts end an attempt; every answer of a resolver is checked.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryRefused, postWebhook, resolveTarget } from '../../src/webhooks/transport.js';
import { type Receiver, startReceiver } from './helpers.js';

describe('webhook transport', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());

  it('connects to the resolved, checked address and keeps the host name in the Host header', async () => {
    const resolved: string[] = [];
    const status = await postWebhook(`http://receiver.example:${receiver.port}/pinned?x=1`, '{"a":1}', { 'content-type': 'application/json' }, {
      allowPrivate: true,
      timeoutMs: 5_000,
      resolve: async (host) => {
        resolved.push(host);
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    expect(status).toBe(200);
    expect(resolved).toEqual(['receiver.example']);
    const req = receiver.requests.at(-1);
    expect(req?.path).toBe('/pinned?x=1');
    expect(req?.headers.host).toBe(`receiver.example:${receiver.port}`);
    expect(req?.body).toBe('{"a":1}');
  });

  it('refuses when any resolved address is forbidden, before connecting', async () => {
    const before = receiver.requests.length;
    const resolve = async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ];
    await expect(postWebhook(`http://rebind.example:${receiver.port}/`, '{}', {}, { allowPrivate: false, timeoutMs: 5_000, resolve })).rejects.toBeInstanceOf(DeliveryRefused);
    await expect(resolveTarget(new URL('http://rebind.example/'), { allowPrivate: false, resolve })).rejects.toThrow(/rebind\.example resolves to 127\.0\.0\.1, a loopback address/);
    expect(receiver.requests.length).toBe(before);
  });

  it('refuses non-http schemes and credentials, and reports DNS failures', async () => {
    await expect(resolveTarget(new URL('file:///etc/passwd'), { allowPrivate: true })).rejects.toBeInstanceOf(DeliveryRefused);
    await expect(resolveTarget(new URL('http://u:p@example.com/'), { allowPrivate: true })).rejects.toBeInstanceOf(DeliveryRefused);
    await expect(resolveTarget(new URL('http://no-such-host.invalid/'), { allowPrivate: false })).rejects.toThrow(/dns lookup of no-such-host\.invalid/);
    // The system resolver, for real: a name is judged by what it resolves to.
    await expect(resolveTarget(new URL('http://localhost/'), { allowPrivate: false })).rejects.toThrow(/^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const started = Date.now();
      await expect(postWebhook(`http://127.0.0.1:${port}/`, '{}', {}, { allowPrivate: true, timeoutMs: 300 })).rejects.toThrow('timed out after 0.3 s');
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
