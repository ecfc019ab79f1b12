// Serving files named by their contents (hashed bundles, tenant logos and accents): a new version is a
// new URL, so every copy may be cached for good. Bundles are compressed once, at registration.
import path from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { App } from '../api/types.js';
import type { BuiltFile } from './built-page.js';

interface Asset {
  type: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function toAsset(name: string, contents: Uint8Array): Asset {
  const identity = Buffer.from(contents);
  return {
    type: CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream',
    identity,
    gzip: gzipSync(identity, { level: 9 }),
    br: brotliCompressSync(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
  };
}

function preferredEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | undefined {
  const accepted = (acceptEncoding ?? '').toLowerCase();
  if (/\bbr\b/.test(accepted)) return 'br';
  if (/\bgzip\b/.test(accepted)) return 'gzip';
  return undefined;
}

/** Headers for a response whose URL names its contents: this copy never changes, and stays on this origin. */
export function immutable(reply: FastifyReply, type: string): FastifyReply {
  return reply
    .header('content-type', type)
    .header('cache-control', 'public, max-age=31536000, immutable')
    .header('cross-origin-resource-policy', 'same-origin');
}

/** GET `${prefix}/:name` for each built file, brotli or gzip when the client takes it. */
export function registerHashedAssets(app: App, prefix: string, files: readonly BuiltFile[]): void {
  const assets = new Map(files.map((f) => [f.name, toAsset(f.name, f.contents)]));
  app.get(
    `${prefix}/:name`,
    { schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 128 }) }) } },
    async (request, reply) => {
      const asset = assets.get(request.params.name);
      if (!asset) {
        return reply.status(404).send({ error: { code: 'not_found', message: 'no such asset', request_id: request.id } });
      }
      const encoding = preferredEncoding(request.headers['accept-encoding']);
      immutable(reply, asset.type).header('vary', 'accept-encoding');
      if (encoding) reply.header('content-encoding', encoding);
      return reply.send(encoding ? asset[encoding] : asset.identity);
    },
  );
}
