// Entry of the hosted capture page. The HTML shell carries the chosen language's words in a data
// attribute (no inline script under the CSP); the capture id is the last part of the path.
import { CaptureFlow } from './capture-flow.js';
import type { Messages } from './i18n/messages.js';
import { CaptureClient } from './protocol-client.js';
import { CaptureView } from './view.js';

function boot(): void {
  const root = document.getElementById('app');
  if (!root) return;
  const messages = JSON.parse(root.dataset.messages ?? '{}') as Messages;
  const view = new CaptureView(root, messages);
  const match = /^\/c\/([^/]+)\/?$/.exec(window.location.pathname);
  const captureId = match?.[1] ? decodeURIComponent(match[1]) : undefined;
  if (!captureId) {
    view.problem({ name: 'not-found', icon: 'link', tone: 'muted', title: 'notFoundTitle', body: 'notFoundBody' });
    return;
  }
  const flow = new CaptureFlow(view, new CaptureClient(captureId), {
    userAgent: navigator.userAgent,
    maxTouchPoints: navigator.maxTouchPoints,
    navigate: (url) => window.location.assign(url),
    redirectDelayMs: 2000,
  });
  flow.begin();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
