// The simulation page's script: each button asks the service for one outcome through the capture
// link (POST /v1/capture/{capture_id}/simulate) and says what the backend will now read. Once
// decided, it goes on to the redirect_url like the capture page does.
const REDIRECT_DELAY_MS = 1500;

const AFTER: Record<string, string> = {
  pending: 'The check is still pending.',
  in_progress: 'The check is in progress: your backend reads 202 "in_progress" until it is decided or expires.',
  complete: 'Decided: your backend reads 200 "complete" with the result.',
  failed: 'Decided: your backend reads 200 "failed" (no decision could be made, passed:false).',
  expired: 'The link has expired: your backend reads 410 "expired".',
};

function boot(): void {
  const match = /^\/c\/([^/]+)\/?$/.exec(window.location.pathname);
  const captureId = match?.[1];
  const status = document.getElementById('status');
  const reason = document.getElementById('reason') as HTMLSelectElement | null;
  const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-outcome]'));
  if (!captureId || !status || !reason) return;
  const say = (text: string) => {
    status.textContent = text;
  };
  const enable = (on: boolean) => {
    for (const b of buttons) b.disabled = !on;
  };
  for (const button of buttons) {
    button.addEventListener('click', () => {
      const outcome = button.dataset.outcome ?? '';
      enable(false);
      say('Asking the service…');
      void simulate(captureId, outcome === 'failed' ? { outcome, failure_reason: reason.value } : { outcome })
        .then((answer) => {
          say(AFTER[answer.status] ?? `Status: ${answer.status}`);
          if (answer.status === 'pending' || answer.status === 'in_progress') enable(true);
          if (answer.redirect) {
            const target = answer.redirect;
            status.append(' Going back to the site…');
            window.setTimeout(() => window.location.assign(target), REDIRECT_DELAY_MS);
          }
        })
        .catch((error: unknown) => {
          say(error instanceof Error ? error.message : String(error));
          enable(true);
        });
    });
  }
  enable(true);
  document.body.dataset.ready = 'true';
}

interface Answer {
  status: string;
  redirect?: string;
}

async function simulate(captureId: string, body: { outcome: string; failure_reason?: string }): Promise<Answer> {
  const response = await fetch(`/v1/capture/${captureId}/simulate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'omit',
  });
  const json = (await response.json().catch(() => ({}))) as Answer & { error?: { code?: string; message?: string } };
  if (!response.ok) throw new Error(json.error?.message ? `${json.error.message} (${json.error.code ?? response.status})` : `HTTP ${response.status}`);
  return json;
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
