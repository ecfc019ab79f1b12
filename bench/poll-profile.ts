// Where a poll's time goes: the service and a bare Fastify route in this one process, each driven by
// wrk (1 thread, 50 connections), CPU per request of each and their ratio; optionally a CPU profile
// of the service (self and inclusive time by function) or the p99 at a fixed 1,000 requests/s.
// A diagnostic next to bench/polling.ts, whose figures are the ones reported.
//
//   npx tsx bench/poll-profile.ts                 CPU per request, service vs bare route
//   PROFILE=1 npx tsx bench/poll-profile.ts       … and a CPU profile of the service
//   FIXED=1 npx tsx bench/poll-profile.ts         p99 at 1,000 req/s, three 5-second runs
//   PG=1 …                                        PostgreSQL (127.0.0.1:5432/test) instead of SQLite
//   LOG_LEVEL=info …                              the service's log level (default silent)
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { loadConfig } from '../src/config.js';
import { startService } from '../src/service.js';

const run = promisify(execFile);
const PORT = 39455;
const BARE_PORT = 39457;
const dir = mkdtempSync(path.join(tmpdir(), 'lc-poll-profile-'));
const postgres = process.env.PG
  ? { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', LIVECHECK_DB_SCHEMA: `lc_profile_${Date.now()}`, LIVECHECK_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64') }
  : {};
const service = await startService(
  loadConfig({
    ...process.env,
    ...postgres,
    LIVECHECK_RATE_LIMIT_API_KEY: '1000000/1000000',
    LIVECHECK_RATE_LIMIT_CLIENT_ADDRESS: '1000000/1000000',
    LIVECHECK_DATA_DIR: dir,
    LIVECHECK_ROLE: 'api',
    LIVECHECK_ADMIN_KEY: 'b'.repeat(32),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    PORT: String(PORT),
  }),
);

// 2,000 checks, one in five complete, as in bench/polling.ts.
const { key } = await service.keys.create('bench');
const principal = await service.keys.authenticateTenant(key);
if (!principal) throw new Error('no principal');
const tokens: string[] = [];
for (let i = 0; i < 2000; i++) tokens.push((await service.checks.create(principal, { reference: `bench-${i}` })).token);
const result = JSON.stringify({ passed: true, confidence: 0.91, threshold: 0.5, checked_at: new Date().toISOString(), bounding_box: { left: 0.3, top: 0.2, width: 0.35, height: 0.45 } });
for (const suffix of ['0', '2']) {
  await service.store.db.updateTable('liveness_checks').set({ status: 'complete', result, completed_at: Date.now(), finished_at: Date.now() }).where('reference', 'like', `bench-%${suffix}`).execute();
}

const say = (line: string) => process.stderr.write(`${line}\n`);

if (process.env.FIXED) {
  const paths = path.join(dir, 'paths.txt');
  writeFileSync(paths, tokens.map((t) => `/liveness_check?token=${t}`).join('\n'));
  for (let i = 0; i < 3; i++) {
    // The service's own stalls (GC, synchronous work) show as event-loop delay; the rest of the
    // client's latency is outside this process (scheduling, the client itself).
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const { stdout } = await run('node', ['bench/fixed-rate-client.mjs', `http://127.0.0.1:${PORT}`, '1000', '5', JSON.stringify({ authorization: `Bearer ${key}` }), paths]);
    loop.disable();
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    say(`1,000 req/s for 5 s${i === 0 ? ' (warm-up)' : ''}: ${stdout.trim()}; event-loop delay p99 ${ms(loop.percentile(99))} ms, max ${ms(loop.max)} ms`);
  }
} else {
  const lua = path.join(dir, 'poll.lua');
  writeFileSync(
    lua,
    `tokens = {${tokens.map((t) => `"${t}"`).join(',')}}\nwrk.headers["authorization"] = "Bearer ${key}"\n` +
      `request = function()\n  return wrk.format("GET", "/liveness_check?token=" .. tokens[math.random(#tokens)])\nend\n`,
  );
  const wrk = (url: string, seconds: number, script?: string) => run('wrk', ['-t1', '-c50', `-d${seconds}s`, ...(script ? ['-s', script] : []), url]);
  /** CPU µs of this process per request over a wrk run (after a warm-up run). */
  const cpuPerRequest = async (url: string, script?: string) => {
    await wrk(url, 2, script);
    const before = process.cpuUsage();
    const { stdout } = await wrk(url, 6, script);
    const used = process.cpuUsage(before);
    const requests = Number(/(\d+) requests in/.exec(stdout)?.[1]);
    return { perRequest: (used.user + used.system) / requests, rate: /Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] };
  };

  const bare = Fastify({ logger: false });
  const body = { id: '6215c0dd-eb50-42c5-b3e8-c6ca72f8389e', status: 'complete', result: { passed: true, confidence: 0.91, threshold: 0.5 } };
  bare.get('/liveness_check', async () => body);
  await bare.listen({ port: BARE_PORT, host: '127.0.0.1' });
  const baseline = await cpuPerRequest(`http://127.0.0.1:${BARE_PORT}/liveness_check`);
  await bare.close();
  const ours = await cpuPerRequest(`http://127.0.0.1:${PORT}`, lua);
  say(`bare route: ${baseline.rate} req/s, ${baseline.perRequest.toFixed(1)} µs CPU per request`);
  say(`livecheck:  ${ours.rate} req/s, ${ours.perRequest.toFixed(1)} µs CPU per request = ${(ours.perRequest / baseline.perRequest).toFixed(2)}× the bare route`);

  if (process.env.PROFILE) {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 50 });
    await session.post('Profiler.start');
    await wrk(`http://127.0.0.1:${PORT}`, 5, lua);
    const { profile } = await session.post('Profiler.stop');
    printProfile(profile);
  }
}

await service.close();
if (process.env.PG) {
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: postgres.DATABASE_URL });
  await client.connect();
  await client.query(`drop schema if exists "${postgres.LIVECHECK_DB_SCHEMA}" cascade`);
  await client.end();
}
process.exit(0);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Self and inclusive shares of the samples by function (recursion counted once). */
function printProfile(profile: { nodes: ProfileNode[]; samples?: number[] }): void {
  const samples = new Map<number, number>();
  for (const id of profile.samples ?? []) samples.set(id, (samples.get(id) ?? 0) + 1);
  const total = profile.samples?.length ?? 1;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const name = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*node_modules\//, '').replace(/.*\/(src|bench)\//, '$1/')}:${n.callFrame.lineNumber}`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const walk = (id: number, stack: Set<string>): number => {
    const node = byId.get(id);
    if (!node) return 0;
    const key = name(node);
    const own = samples.get(id) ?? 0;
    self.set(key, (self.get(key) ?? 0) + own);
    const outermost = !stack.has(key);
    if (outermost) stack.add(key);
    let sum = own;
    for (const child of node.children ?? []) sum += walk(child, stack);
    if (outermost) {
      stack.delete(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + sum);
    }
    return sum;
  };
  const root = profile.nodes[0];
  if (root) walk(root.id, new Set());
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}% ${k}`)
      .join('\n');
  say(`--- inclusive\n${top(inclusive, 50)}\n--- self\n${top(self, 30)}`);
}
