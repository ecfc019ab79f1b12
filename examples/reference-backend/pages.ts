// The pages a user sees. `data-state` on <main> names what the page says, for tests and scripts.
import type { User, Verification, VerificationOutcome } from './store.js';

const REASONS: Record<string, string> = {
  no_face: 'We could not see a face.',
  multiple_faces: 'More than one face was in view.',
  capture_abandoned: 'The check was not finished.',
  expired: 'The link expired before the check was done.',
  step_not_done: 'A head movement we asked for was not seen.',
};

export function homePage(user: User | undefined, latest: Verification | undefined): string {
  if (!user) {
    return layout(
      'Sign in',
      'signed_out',
      `<h1>Sign in</h1>
<form method="post" action="/sign-in">
  <label>Name <input name="name" required maxlength="64" autocomplete="username"></label>
  <button>Sign in</button>
</form>`,
    );
  }
  const { state, text } = accountStatus(user, latest);
  return layout(
    'Your account',
    state,
    `<h1>Hello, ${escapeHtml(user.name)}</h1>
<p>${escapeHtml(text)}</p>
<form method="post" action="/verify"><button>Verify my identity</button></form>
<form method="post" action="/sign-out"><button>Sign out</button></form>`,
  );
}

/** Shown while the check is being decided; polls GET /verify/status, then reloads into the outcome. */
export function checkingPage(scriptNonce: string): string {
  return layout(
    'Checking…',
    'checking',
    `<h1>Checking…</h1>
<p>This takes a few seconds.</p>
<script nonce="${escapeHtml(scriptNonce)}">
  (async () => {
    for (;;) {
      let answer;
      try {
        const response = await fetch('/verify/status', { headers: { accept: 'application/json' } });
        if (response.ok) answer = await response.json();
      } catch {}
      if (answer && answer.state !== 'checking') return location.reload();
      // The backend holds each request while it polls livecheck; after a failure, pause instead.
      if (!answer) await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  })();
</script>`,
  );
}

export function outcomePage(outcome: VerificationOutcome): string {
  if (outcome.state === 'verified') {
    return layout('Verified', 'verified', '<h1>Verified</h1><p>Thank you.</p><p><a href="/">Continue</a></p>');
  }
  return layout(
    'Not verified',
    'not_verified',
    `<h1>Not verified</h1><p>${escapeHtml(reasonText(outcome.reason))}</p><p><a href="/">Try again</a></p>`,
  );
}

export function mismatchPage(): string {
  return layout(
    'Not this session’s check',
    'mismatch',
    `<h1>This link does not belong to your session</h1>
<p>Go back to the browser where you started the verification; it shows the result there.</p>`,
  );
}

export function errorPage(status: number, message: string): string {
  return layout('Error', 'error', `<h1>${status}</h1><p>${escapeHtml(message)}</p>`);
}

function accountStatus(user: User, latest: Verification | undefined): { state: string; text: string } {
  if (user.verifiedAt) return { state: 'verified', text: 'Your identity is verified.' };
  const outcome = latest?.outcome;
  if (outcome?.state === 'not_verified') return { state: 'not_verified', text: `Not verified. ${reasonText(outcome.reason)} You can try again.` };
  if (latest && !outcome) return { state: 'checking', text: 'Verification in progress.' };
  return { state: 'unverified', text: 'Not verified yet.' };
}

function reasonText(reason: string): string {
  return REASONS[reason] ?? 'The check did not pass.';
}

function layout(title: string, state: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body><main data-state="${escapeHtml(state)}">
${body}
</main></body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
