// Analysis throughput and memory, on PostgreSQL with one API process and 1 or 2 worker processes:
// completed checks per minute for sessions of real camera-like frames uploaded through the capture
// protocol, against the floor (the bare model inference of the same frames, measured in this run),
// and the resident memory of an API process and of a worker with its models loaded.
// Run: npm run build && npx tsx bench/analysis-throughput.ts   (PostgreSQL at 127.0.0.1:5432)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { decodeFrame } from '../src/engine/frame-analysis.js';
import { loadHuman, rgbToTensor } from '../src/engine/human.js';
import { cameraFrame, dataUri, portraitPath } from '../test/helpers/faces.js';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 12);
const FRAMES = Number(process.env.BENCH_FRAMES ?? 60);
const PG_URL = process.env.LIVECHECK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ADMIN = 'bench-admin-key-0123456789abcdef';
const BASE_PORT = 39_470;

interface Proc {
  child: ChildProcess;
  url: string;
}

function start(role: 'api' | 'worker', port: number, env: Record<string, string>): Proc {
  const child = spawn('node', ['bin/livecheck.js', 'serve', '--role', role], { env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'warn' }, stdio: 'ignore' });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function ready(proc: Proc): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await fetch(`${proc.url}/readyz`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${proc.url} not ready`);
}

/** Resident and peak resident memory of a process, MiB, from /proc. */
function memoryOf(pid: number | undefined): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** One session through the capture protocol, frames sent in batches of 4 as a page would. */
async function runSession(api: string, key: string, frames: string[]): Promise<string> {
  const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const check = await json<{ token: string; url: string }>(await fetch(`${api}/liveness_check`, { method: 'POST', headers: auth, body: '{}' }));
  const captureId = check.url.split('/c/')[1] ?? '';
  const started = await json<{ attempt: number; challenge: { steps: string[] } }>(await fetch(`${api}/v1/capture/${captureId}/start`, { method: 'POST' }));
  const perStep = Math.ceil((frames.length - 8) / started.challenge.steps.length);
  for (let i = 0; i < frames.length; i += 4) {
    const batch = frames.slice(i, i + 4).map((image, j) => {
      const n = i + j;
      return { t: n * 200, step: n < 8 ? -1 : Math.min(started.challenge.steps.length - 1, Math.floor((n - 8) / perStep)), image };
    });
    await json(await fetch(`${api}/v1/capture/${captureId}/frames`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ attempt: started.attempt, frames: batch }) }));
  }
  await json(await fetch(`${api}/v1/capture/${captureId}/finish`, { method: 'POST' }));
  return check.token;
}

async function waitDone(api: string, key: string, token: string): Promise<void> {
  for (;;) {
    const response = await fetch(`${api}/liveness_check?token=${token}`, { headers: { authorization: `Bearer ${key}` } });
    if (response.status === 200) return;
    if (response.status !== 202) throw new Error(`poll: ${response.status} ${await response.text()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function measure(workers: number, frames: string[]): Promise<{ perMinute: number; api: { rss: number; peak: number }; worker: { rss: number; peak: number } }> {
  const schema = `lc_bench_analysis_${workers}_${Date.now()}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lc-bench-analysis-'));
  const env = {
    DATABASE_URL: PG_URL,
    LIVECHECK_DB_SCHEMA: schema,
    LIVECHECK_DATA_DIR: dataDir,
    LIVECHECK_ADMIN_KEY: ADMIN,
    LIVECHECK_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
    LIVECHECK_ANALYSIS_THREADS: '1',
    LIVECHECK_RATE_LIMIT_CAPTURE_LINK: 'off',
  };
  const api = start('api', BASE_PORT, env);
  await ready(api);
  const workerProcs = Array.from({ length: workers }, (_, i) => start('worker', BASE_PORT + 1 + i, env));
  try {
    await Promise.all(workerProcs.map(ready));
    const { key } = await json<{ key: string }>(
      await fetch(`${api.url}/admin/api_keys`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 'bench' }) }),
    );
    // One warm-up session: the first inference in each thread compiles the WASM kernels.
    await waitDone(api.url, key, await runSession(api.url, key, frames.slice(0, 8)));
    const startedAt = performance.now();
    const tokens = await Promise.all(Array.from({ length: SESSIONS }, () => runSession(api.url, key, frames)));
    await Promise.all(tokens.map((token) => waitDone(api.url, key, token)));
    const minutes = (performance.now() - startedAt) / 60_000;
    return { perMinute: SESSIONS / minutes, api: memoryOf(api.child.pid), worker: memoryOf(workerProcs[0]?.child.pid) };
  } finally {
    for (const proc of [api, ...workerProcs]) proc.child.kill('SIGTERM');
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The floor: human.detect alone on each frame, pre-decoded, in one thread, as the workers run it. */
async function inferenceFloorMs(jpegs: Buffer[]): Promise<number> {
  const human = await loadHuman();
  const tensors = [];
  for (const jpeg of jpegs) {
    const decoded = await decodeFrame(jpeg);
    tensors.push(rgbToTensor(human, decoded.rgb, decoded.width, decoded.height));
  }
  for (const tensor of tensors.slice(0, 3)) await human.detect(tensor); // warm-up
  const startedAt = performance.now();
  for (const tensor of tensors) await human.detect(tensor);
  const total = performance.now() - startedAt;
  for (const tensor of tensors) tensor.dispose();
  return total;
}

const photo = portraitPath();
const jpegs = await Promise.all(Array.from({ length: FRAMES }, (_, i) => cameraFrame(photo, (i % 12) - 6, (i % 7) - 3)));
const frames = jpegs.map(dataUri);
const floorMs = await inferenceFloorMs(jpegs);
const cores = availableParallelism();
const rows: string[] = [];
let memory: Awaited<ReturnType<typeof measure>> | undefined;
for (const workers of [1, 2]) {
  const result = await measure(workers, frames);
  memory ??= result;
  const floor = (Math.min(workers, cores) * 60_000) / floorMs;
  rows.push(`| ${workers} | ${result.perMinute.toFixed(1)} | ${floor.toFixed(1)} | ${(floor / result.perMinute).toFixed(2)} |`);
}
process.stdout.write(
  `analysis-throughput: ${SESSIONS} sessions of ${FRAMES} frames (640×480 JPEG) each, ${cores} cores, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n` +
    `floor: human.detect alone on the same ${FRAMES} frames, ${floorMs.toFixed(0)} ms per session in one thread\n\n` +
    `| worker processes | checks/min | floor checks/min | time × floor |\n|---|---:|---:|---:|\n${rows.join('\n')}\n\n` +
    `| process | RSS MiB | peak RSS MiB |\n|---|---:|---:|\n` +
    `| api (role api) | ${memory?.api.rss.toFixed(0)} | ${memory?.api.peak.toFixed(0)} |\n` +
    `| worker (role worker, models loaded, 1 analysis thread) | ${memory?.worker.rss.toFixed(0)} | ${memory?.worker.peak.toFixed(0)} |\n`,
);
