// `livecheck checks create|get|wait`: a tenant's view of the API from a shell, built on the SDK so
// that it behaves exactly as an integration would (idempotent create, documented polling).
import { parseArgs } from 'node:util';
import {
  type Clock,
  type CreateCheckOptions,
  type CreatedCheck,
  LivecheckApiError,
  LivecheckClient,
  LivecheckNetworkError,
  LivecheckTimeoutError,
  type LivenessCheck,
  type PollEvent,
  type SimulatedOutcome,
  type TerminalCheck,
} from '../../packages/client/src/index.js';
import { renderQrCode } from './qr-code.js';

export const DEFAULT_URL = 'http://127.0.0.1:3000';

/** Where the CLI writes and what it reads; tests pass their own. */
export interface ChecksCliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** For tests: the SDK's clock (polling delays). */
  clock?: Clock;
}

/** Exit codes of `checks wait`; the other commands use 0, 1 (usage) and 3. */
export const WAIT_EXIT = { passed: 0, notPassed: 1, expired: 2, error: 3 } as const;

const HELP = `Usage:
  livecheck checks create [options]   create a check; prints the link for the user and the token
  livecheck checks get TOKEN          read a check once
  livecheck checks wait TOKEN         poll until the check is decided or expired
  livecheck checks simulate TOKEN --outcome passed|failed|in_progress|expired
                                      sandbox: decide a test check (test key lc_test_… only)

Create options:
  --redirect-url URL      where the capture page sends the user afterwards (with lc_token)
  --audit-images N        0–10 intermediate frames kept for audit (default 0)
  --threshold X           confidence needed to pass, 0–1 (service default 0.5)
  --expires-in SECONDS    60–86400 until the link expires (default 900)
  --reference TEXT        your own reference, echoed back
  --webhook-url URL       receives signed events about this check
  --idempotency-key KEY   make a retried create return the same check (random by default)
  --no-qr                 do not print the link as a QR code on a terminal

Wait options:
  --timeout SECONDS       give up after this long (exit 3)

Simulate options (test checks, made with a test key; see "Sandbox" in the README):
  --outcome OUTCOME       passed, failed, in_progress, or expired (the link expires now: 410)
  --failure-reason CODE   with --outcome failed: no_face, too_dark, step_not_done (default),
                          wrong_direction, flat_surface, identity_changed, … (the engine's codes)

Common options:
  --url URL               the service (env LIVECHECK_URL, default ${DEFAULT_URL})
  --api-key KEY           a tenant API key lc_… (env LIVECHECK_API_KEY)
  --json                  machine-readable output on stdout (errors too, as {"error":…})
  --help                  this text

Exit codes:
  create, get, simulate: 0 success, 1 usage error, 3 error (API, network)
  wait:        0 passed, 1 not passed (complete below threshold, or failed),
               2 expired, 3 error (usage, API, network, timeout)

Examples:
  export LIVECHECK_API_KEY=lc_…            # npx livecheck keys create --tenant acme
  npx livecheck checks create --reference order-42 --redirect-url https://shop.example/verified
  npx livecheck checks get 3hJ9…Kq --json
  npx livecheck checks wait 3hJ9…Kq --timeout 600 && echo "live person"
  TOKEN=$(npx livecheck checks create --json | jq -r .token) && npx livecheck checks wait "$TOKEN"
  export LIVECHECK_API_KEY=lc_test_…       # npx livecheck keys create --tenant acme --mode test
  npx livecheck checks simulate "$TOKEN" --outcome failed --failure-reason no_face
`;

const COMMON = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

export async function runChecksCli(argv: string[], io: ChecksCliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const [action, ...rest] = argv;
  const json = rest.includes('--json');
  const usageExit = action === 'wait' ? WAIT_EXIT.error : 1;
  try {
    switch (action) {
      case 'create':
        return await create(rest, io);
      case 'get':
        return await get(rest, io);
      case 'wait':
        return await wait(rest, io);
      case 'simulate':
        return await simulate(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(HELP);
        return action === undefined ? 1 : 0;
      default:
        throw new UsageError(`unknown checks action ${JSON.stringify(action)}`);
    }
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr.write(`${(error as Error).message}\n\n${HELP}`);
      return usageExit;
    }
    reportError(error, json, io);
    return 3;
  }
}

async function create(argv: string[], io: ChecksCliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...COMMON,
      'redirect-url': { type: 'string' },
      'audit-images': { type: 'string' },
      threshold: { type: 'string' },
      'expires-in': { type: 'string' },
      reference: { type: 'string' },
      'webhook-url': { type: 'string' },
      'idempotency-key': { type: 'string' },
      'no-qr': { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return help(io);
  const options: CreateCheckOptions = {};
  if (values['redirect-url'] !== undefined) options.redirectUrl = values['redirect-url'];
  if (values['audit-images'] !== undefined) options.auditImages = integer(values['audit-images'], '--audit-images');
  if (values.threshold !== undefined) options.threshold = decimal(values.threshold, '--threshold');
  if (values['expires-in'] !== undefined) options.expiresIn = integer(values['expires-in'], '--expires-in');
  if (values.reference !== undefined) options.reference = values.reference;
  if (values['webhook-url'] !== undefined) options.webhookUrl = values['webhook-url'];

  const created = await client(values, io).createCheck(options, values['idempotency-key'] ? { idempotencyKey: values['idempotency-key'] } : {});
  if (values.json) {
    io.stdout.write(`${JSON.stringify(created)}\n`);
    return 0;
  }
  io.stdout.write(describeCreated(created));
  if (io.stdout.isTTY && !values['no-qr']) io.stdout.write(`\n${renderQrCode(created.url)}\n`);
  return 0;
}

async function get(argv: string[], io: ChecksCliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: COMMON, allowPositionals: true, strict: true });
  if (values.help) return help(io);
  const check = await client(values, io).getCheck(tokenArgument(positionals));
  io.stdout.write(values.json ? `${JSON.stringify(check)}\n` : `${describeCheck(check)}\n`);
  return 0;
}

async function wait(argv: string[], io: ChecksCliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { ...COMMON, timeout: { type: 'string' } }, allowPositionals: true, strict: true });
  if (values.help) return help(io);
  const token = tokenArgument(positionals);
  const timeoutMs = values.timeout === undefined ? undefined : decimal(values.timeout, '--timeout') * 1000;
  const sdk = client(values, io);
  // The live line goes to stderr, so stdout stays the result alone (also with --json).
  const status = io.stderr.isTTY ? new StatusLine(io.stderr) : undefined;
  let check: TerminalCheck;
  try {
    check = await sdk.waitForResult(token, {
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(io.clock ? { clock: io.clock } : {}),
      onPoll: (event) => status?.update(event),
    });
  } finally {
    status?.stop();
  }
  io.stdout.write(values.json ? `${JSON.stringify(check)}\n` : `${describeCheck(check)}\n`);
  if (check.status === 'expired') return WAIT_EXIT.expired;
  return check.result.passed ? WAIT_EXIT.passed : WAIT_EXIT.notPassed;
}

const OUTCOMES: readonly SimulatedOutcome[] = ['passed', 'failed', 'in_progress', 'expired'];

async function simulate(argv: string[], io: ChecksCliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...COMMON, outcome: { type: 'string' }, 'failure-reason': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return help(io);
  const token = tokenArgument(positionals);
  const outcome = OUTCOMES.find((o) => o === values.outcome);
  if (!outcome) throw new UsageError(`--outcome must be one of ${OUTCOMES.join(', ')}${values.outcome === undefined ? '' : `, got ${JSON.stringify(values.outcome)}`}`);
  const failureReason = values['failure-reason'];
  if (failureReason !== undefined && outcome !== 'failed') throw new UsageError('--failure-reason goes with --outcome failed only');
  const sdk = client(values, io);
  // The API takes the check's id; the shell has the token, which the authenticated read turns into it.
  const { id } = await sdk.getCheck(token);
  const simulated = await sdk.simulate(id, outcome, failureReason === undefined ? {} : { failureReason });
  const after = await sdk.getCheck(token);
  io.stdout.write(values.json ? `${JSON.stringify(after)}\n` : `simulated ${outcome} for test check ${simulated.id}; it now reads:\n${describeCheck(after)}\n`);
  return 0;
}

function client(values: { url?: string | undefined; 'api-key'?: string | undefined }, io: ChecksCliIo): LivecheckClient {
  const apiKey = values['api-key'] ?? io.env.LIVECHECK_API_KEY;
  if (!apiKey) throw new UsageError('no API key: set LIVECHECK_API_KEY or pass --api-key (create one with `livecheck keys create --tenant NAME`)');
  const baseUrl = values.url ?? io.env.LIVECHECK_URL ?? DEFAULT_URL;
  if (!/^https?:\/\//.test(baseUrl)) throw new UsageError(`--url / LIVECHECK_URL must be an http(s) URL, got ${JSON.stringify(baseUrl)}`);
  return new LivecheckClient({ baseUrl, apiKey, ...(io.clock ? { clock: io.clock } : {}) });
}

function help(io: ChecksCliIo): number {
  io.stdout.write(HELP);
  return 0;
}

function tokenArgument(positionals: string[]): string {
  const [token, extra] = positionals;
  if (!token) throw new UsageError('the check token is missing');
  if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
  return token;
}

function integer(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

function decimal(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${flag} must be a number, got ${JSON.stringify(text)}`);
  return value;
}

function isParseArgsError(error: unknown): boolean {
  const code = error instanceof TypeError ? (error as TypeError & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

function reportError(error: unknown, json: boolean, io: ChecksCliIo): void {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof LivecheckApiError) {
    if (json) {
      io.stdout.write(`${JSON.stringify({ error: { status: error.status, code: error.code, message, request_id: error.requestId ?? null } })}\n`);
    } else {
      io.stderr.write(`error: ${error.code} (HTTP ${error.status}): ${message}${error.requestId ? ` [${error.requestId}]` : ''}\n`);
    }
    return;
  }
  const code = error instanceof LivecheckNetworkError ? 'network_error' : error instanceof LivecheckTimeoutError ? 'timeout' : 'error';
  if (json) io.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  else io.stderr.write(`error: ${message}\n`);
}

function describeCreated(created: CreatedCheck): string {
  return (
    `Created check ${created.id}${created.reference ? ` (reference ${created.reference})` : ''}, expires ${created.expiresAt}\n\n` +
    `  link:   ${created.url}\n` +
    `          send the user here (any browser, phone or laptop)\n` +
    `  token:  ${created.token}\n` +
    `          keep it on your server; the result: livecheck checks wait ${created.token}\n`
  );
}

export function describeCheck(check: LivenessCheck): string {
  switch (check.status) {
    case 'pending':
      return `pending: the link has not been opened yet (expires ${check.expiresAt}); ask again in ${check.retryAfterMs / 1000} s`;
    case 'in_progress':
      return `in_progress: the capture is under way (expires ${check.expiresAt}); ask again in ${check.retryAfterMs / 1000} s`;
    case 'expired':
      return 'expired: the link was not used in time';
    case 'complete':
    case 'failed': {
      const { result } = check;
      const verdict = result.passed ? 'PASSED' : 'NOT PASSED';
      const comparison = `confidence ${result.confidence} ${result.confidence >= result.threshold ? '≥' : '<'} threshold ${result.threshold}`;
      const reason = result.failureReason ? `, reason ${result.failureReason}` : '';
      const images = [result.image ? 'probe image' : '', result.auditImages?.length ? `${result.auditImages.length} audit images` : ''].filter(Boolean);
      return (
        `${check.status}: ${verdict} (${comparison}${reason})${check.reference ? `\nreference: ${check.reference}` : ''}\n` +
        `checked at ${result.checkedAt}${images.length ? `; ${images.join(' and ')} kept (see --json)` : ''}`
      );
    }
  }
}

/** One self-rewriting line: the check's status and the elapsed time, ticking every second. */
class StatusLine {
  private readonly started = Date.now();
  private text = 'waiting for the first poll';
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly out: { write(text: string): unknown }) {
    this.timer = setInterval(() => this.render(), 1000);
    this.timer.unref();
    this.render();
  }

  update(event: PollEvent): void {
    const next = `next poll in ${Math.round(event.nextDelayMs / 1000)} s`;
    this.text = event.check ? `${event.check.status}, ${next}` : `retrying after: ${event.error.message}, ${next}`;
    this.render();
  }

  stop(): void {
    clearInterval(this.timer);
    this.out.write('\r\x1b[2K');
  }

  private render(): void {
    const seconds = Math.floor((Date.now() - this.started) / 1000);
    const elapsed = seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
    this.out.write(`\r\x1b[2K${elapsed}  ${this.text}`);
  }
}
