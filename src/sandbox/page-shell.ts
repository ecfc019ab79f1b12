// The simulation page's HTML: what a test check's capture link shows instead of the camera. The
// buttons are in the markup and the script (src/sandbox/page/main.ts) only wires them: no inline
// script, the same strict same-origin CSP as the capture page, without the camera.
import type { FastifyReply } from 'fastify';
import { renderHtmlShell, sendHtml } from '../web/html-shell.js';
import { SIMULATED_FAILURE_REASONS, DEFAULT_FAILURE_REASON } from './outcomes.js';

export const SIMULATION_PAGE_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface SimulationAssets {
  sandbox_js: string;
  sandbox_css: string;
}

function renderSimulationShell(assets: SimulationAssets): string {
  const reasons = SIMULATED_FAILURE_REASONS.map(
    (r) => `<option value="${r}"${r === DEFAULT_FAILURE_REASON ? ' selected' : ''}>${r}</option>`,
  ).join('');
  return renderHtmlShell({
    lang: 'en',
    title: 'livecheck sandbox',
    stylesheets: [`/assets/${assets.sandbox_css}`],
    script: `/assets/${assets.sandbox_js}`,
    // The path holds the capture secret.
    noReferrer: true,
    body: `<main id="app" class="sandbox">
<p class="badge">Test mode</p>
<h1>Sandbox liveness check</h1>
<p>This link belongs to a <strong>test check</strong>, made with a test key (<code>lc_test_…</code>). No camera is used: choose what happens, then let your backend read the result as it would for a real check.</p>
<div class="actions">
<button type="button" id="pass" data-outcome="passed" disabled>Pass</button>
<div class="fail">
<label for="reason">Failure reason</label>
<select id="reason">${reasons}</select>
<button type="button" id="fail" data-outcome="failed" disabled>Fail</button>
</div>
<button type="button" id="in-progress" data-outcome="in_progress" disabled>Stay in progress</button>
<button type="button" id="expire" data-outcome="expired" disabled>Expire the link</button>
</div>
<p id="status" role="status" aria-live="polite"></p>
<noscript><p>The sandbox page needs JavaScript; or use POST /v1/sandbox/liveness_check/{id}/simulate.</p></noscript>
</main>`,
  });
}

export function sendSimulationPage(reply: FastifyReply, assets: SimulationAssets): FastifyReply {
  const policy = {
    csp: SIMULATION_PAGE_CSP,
    permissionsPolicy: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
    // The path holds the capture secret: no Referer may carry it anywhere.
    noReferrer: true,
  };
  return sendHtml(reply, policy, renderSimulationShell(assets));
}
