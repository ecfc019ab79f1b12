// The capture page inside a tenant's own page (an iframe), as frame_ancestors allows: it works on
// an origin the tenant listed and the browser refuses it on any other. Every origin is https, as
// in production: the tenant's app, another site, and livecheck itself (proxied to the test
// service by the browser context). Run by browser-suite.test.ts.
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { PageSuite } from './harness.js';

const LIVECHECK = 'https://verify.livecheck.example';
const ALLOWED = 'https://shop.embedder.example';
const OTHER = 'https://elsewhere.example';

async function serveOrigins(context: BrowserContext, suite: PageSuite, capturePath: string): Promise<void> {
  await context.route(`${LIVECHECK}/**`, async (route) => {
    const url = route.request().url().replace(LIVECHECK, suite.harness.origin);
    await route.fulfill({ response: await route.fetch({ url }) });
  });
  for (const origin of [ALLOWED, OTHER]) {
    await context.route(`${origin}/**`, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: `<!doctype html><title>Checkout</title><h1>Checkout</h1><iframe src="${LIVECHECK}${capturePath}" allow="camera" title="Verify it’s you" width="390" height="700"></iframe>`,
      }),
    );
  }
}

/** Framing refusals Chromium reports on the console of the embedding page. */
function watchRefusals(page: Page): string[] {
  const refusals: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('frame-ancestors')) refusals.push(message.text());
  });
  return refusals;
}

export function embeddingTests(suite: PageSuite): void {
  describe('capture page embedded in a tenant’s iframe', () => {
    it('works, camera included, in a frame on an origin the tenant allowed; any other origin is refused by the browser', async () => {
      await suite.harness.setTenantSettings('embedder', { display_name: 'Embedder Shop', frame_ancestors: [ALLOWED] });
      const check = await suite.harness.createCheck({}, 'embedder');
      const context = await suite.browser.context();
      await serveOrigins(context, suite, new URL(check.url).pathname);

      const shop = await context.newPage();
      const shopRefusals = watchRefusals(shop);
      await shop.goto(`${ALLOWED}/checkout`);
      const framed = shop.frameLocator('iframe');
      await framed.getByRole('heading', { level: 1, name: 'Show that it’s really you' }).waitFor({ timeout: 30_000 });
      await framed.getByText('Embedder Shop').waitFor();
      await framed.getByRole('button', { name: 'Start' }).click();
      await framed.getByRole('button', { name: /I’m ready/ }).waitFor({ timeout: 30_000 });
      await expect.poll(() => framed.locator('video').evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 10_000 }).toBeGreaterThan(0);
      expect(shopRefusals).toEqual([]);

      const other = await context.newPage();
      const otherRefusals = watchRefusals(other);
      await other.goto(`${OTHER}/checkout`);
      await expect.poll(() => otherRefusals.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(otherRefusals[0]).toContain(`frame-ancestors ${ALLOWED}`);
      expect(other.frames().some((f) => f.url().startsWith(LIVECHECK))).toBe(false);
      expect(await other.frameLocator('iframe').getByRole('button', { name: 'Start' }).count()).toBe(0);
      await context.close();
    });

    it('a tenant that allowed no origin cannot be framed at all, not even by its own app', async () => {
      const check = await suite.harness.createCheck();
      const context = await suite.browser.context();
      await serveOrigins(context, suite, new URL(check.url).pathname);
      const page = await context.newPage();
      const refusals = watchRefusals(page);
      await page.goto(`${ALLOWED}/checkout`);
      await expect.poll(() => refusals.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(refusals[0]).toContain("frame-ancestors 'none'");
      expect(await page.frameLocator('iframe').getByRole('button', { name: 'Start' }).count()).toBe(0);
      await context.close();
    });
  });
}
