// The simulation page's HTML: what a test check's capture link shows instead of the camera. The
// buttons are in the markup and the script (src/sandbox/page/main.ts) only wires them: no inline
// script, the same strict same-origin CSP as the capture page, without the camera.
import type { FastifyReply } from 'fastify';
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
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>livecheck sandbox</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/${assets.sandbox_css}">
<script src="/assets/${assets.sandbox_js}" defer></script>
</head>
<body>
<main id="app" class="sandbox">
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
</main>
</body>
</html>
`;
}

export function sendSimulationPage(reply: FastifyReply, assets: SimulationAssets): FastifyReply {
  return reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', SIMULATION_PAGE_CSP)
    .header('x-frame-options', 'DENY')
    // The path holds the capture secret: no Referer may carry it anywhere.
    .header('referrer-policy', 'no-referrer')
    .header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('x-robots-tag', 'noindex, nofollow')
    .header('cache-control', 'no-store')
    .send(renderSimulationShell(assets));
}
