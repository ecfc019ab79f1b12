import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { type TestService, startTestService } from '../helpers/service.js';

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
let t: TestService;
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
  t = await startTestService('sqlite', { analyzer });
});
afterAll(async () => {
  await t.stop();
  await analyzer.close();
});

describe('API reference', () => {
  it('serves an OpenAPI 3 document generated from the route schemas', async () => {
    const res = await t.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown; parameters?: Array<{ name: string }> }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/admin/api_keys', '/admin/api_keys/{id}', '/liveness_check', '/v1/capture/{capture_id}/finish', '/v1/capture/{capture_id}/frames', '/v1/capture/{capture_id}/start']),
    );
    // Every route the app serves, bar the hidden operational ones, is documented.
    for (const path of Object.keys(doc.paths)) expect(path).not.toMatch(/:|\*/);
    const get = doc.paths['/liveness_check']?.get;
    expect(Object.keys(get?.responses ?? {}).sort()).toEqual(['200', '202', '400', '401', '410', '429', '503']);
    // Every documented operation says it may be rate-limited or find its store unavailable.
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['429', '503']));
      }
    }
    expect(get?.parameters?.map((p) => p.name)).toContain('token');
    expect(JSON.stringify(doc.paths['/liveness_check']?.post?.requestBody)).toContain('audit_images');
    expect(doc.components.schemas).toHaveProperty('ErrorEnvelope');
  });

  it('serves a readable reference whose assets all come from this origin', async () => {
    const res = await t.request('/docs/');
    expect(res.status).toBe(200);
    const html = await res.text();
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toMatch(/https?:|swagger\.io/);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const url = new URL(asset, `${t.url}/docs/`);
      expect((await fetch(url)).status).toBe(200);
    }
  });
});
