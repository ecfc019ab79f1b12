// The HTML shell every page of this origin is served in (capture, sandbox simulation, review console):
// no inline script or style, the words travel in the markup, and the headers that lock the page down.
import type { FastifyReply } from 'fastify';

export function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface HtmlShell {
  lang: string;
  title: string;
  /** Same-origin URLs, in cascade order. */
  stylesheets: readonly string[];
  script: string;
  /** Markup, already escaped, placed inside <body>. */
  body: string;
  /** Lets a phone's page run under the notch (the capture page's full-screen camera). */
  fitViewport?: boolean;
  /** The page's URL holds a secret: no Referer may carry it anywhere. */
  noReferrer?: boolean;
}

export function renderHtmlShell(shell: HtmlShell): string {
  const viewport = shell.fitViewport ? 'width=device-width, initial-scale=1, viewport-fit=cover' : 'width=device-width, initial-scale=1';
  const referrer = shell.noReferrer ? '<meta name="referrer" content="no-referrer">\n' : '';
  const stylesheets = shell.stylesheets.map((href) => `<link rel="stylesheet" href="${escapeAttribute(href)}">\n`).join('');
  return `<!doctype html>
<html lang="${escapeAttribute(shell.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="${viewport}">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex, nofollow">
${referrer}<title>${escapeText(shell.title)}</title>
<link rel="icon" href="data:,">
${stylesheets}<script src="${escapeAttribute(shell.script)}" defer></script>
</head>
<body>
${shell.body}
</body>
</html>
`;
}

export interface HtmlPolicy {
  csp: string;
  permissionsPolicy: string;
  /** Only when the CSP's frame-ancestors names origins: X-Frame-Options cannot (ALLOW-FROM is gone). */
  frameable?: boolean;
  /** The page's URL holds a secret: no Referer may carry it anywhere. */
  noReferrer?: boolean;
  /** The shell was written in the visitor's language. */
  varyByLanguage?: boolean;
}

/** Sends a shell, never cached, under `policy`. */
export function sendHtml(reply: FastifyReply, policy: HtmlPolicy, html: string): FastifyReply {
  // DENY when nobody may frame the page, absent otherwise, where the CSP's frame-ancestors decides.
  if (policy.frameable) reply.removeHeader('x-frame-options');
  else reply.header('x-frame-options', 'DENY');
  if (policy.noReferrer) reply.header('referrer-policy', 'no-referrer');
  if (policy.varyByLanguage) reply.header('vary', 'accept-language');
  return reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', policy.csp)
    .header('permissions-policy', policy.permissionsPolicy)
    .header('cross-origin-opener-policy', 'same-origin')
    .header('x-robots-tag', 'noindex, nofollow')
    .header('cache-control', 'no-store')
    .send(html);
}
