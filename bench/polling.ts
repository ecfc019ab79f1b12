// Polling throughput: GET /liveness_check over 10,000 stored checks, against a bare Fastify route
// returning constant JSON measured in the same run (the ceiling of this machine and HTTP stack).
// Run: npx tsx bench/polling.ts   (needs wrk: apt-get install wrk; PostgreSQL at 127.0.0.1:5432)
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { startService } from '../src/service.js';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 10_000);
const DURATION = process.env.BENCH_DURATION ?? '10s';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const run = promisify(execFile);
const PG_URL = process.env.LIVECHECK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// The limiter stays in the request path (its cost is measured) but with room for a saturating client.
const LIMITS = { LIVECHECK_RATE_LIMIT_API_KEY: '1000000/1000000', LIVECHECK_RATE_LIMIT_CLIENT_ADDRESS: '1000000/1000000' };

const BARE_PORT = 39400;
const EMBEDDED_PORT = 39403;
const BARE_SERVER = `
import Fastify from 'fastify';
const app = Fastify({ logger: false });
const body = { id: '6215c0dd-eb50-42c5-b3e8-c6ca72f8389e', status: 'complete', result: { passed: true, confidence: 0.91, threshold: 0.5 } };
app.get('/liveness_check', async () => body);
await app.listen({ port: Number(process.argv[1]), host: '127.0.0.1' });
`;

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

interface WrkResult {
  rps: number;
  p99ms: number;
}

async function wrk(url: string, script: string, threads = 2): Promise<WrkResult> {
  const { stdout: out } = await run('wrk', ['-t', String(threads), '-c', String(CONNECTIONS), '-d', DURATION, '--latency', '-s', script, url]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const unit = p99?.[2] === 'us' ? 0.001 : p99?.[2] === 's' ? 1000 : 1;
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} error responses:\n${out}`);
  return { rps, p99ms: Number(p99?.[1]) * unit };
}

/** p99 latency at a fixed request rate, measured by a client in its own process. */
async function fixedRate(url: string, headers: Record<string, string>, paths: string[], rate = 1000, seconds = 5): Promise<number> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'lc-bench-')), 'paths.txt');
  writeFileSync(file, paths.join('\n'));
  const { stdout } = await run('node', ['bench/fixed-rate-client.mjs', url, String(rate), String(seconds), JSON.stringify(headers), file]);
  const result = JSON.parse(stdout) as { p99: number; errors: number };
  if (result.errors > 0) throw new Error(`fixed-rate client saw ${result.errors} errors`);
  return result.p99;
}

function luaScript(tokens: string[], key: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'lc-bench-')), 'poll.lua');
  writeFileSync(
    file,
    `tokens = {${tokens.map((t) => `"${t}"`).join(',')}}\n` +
      `wrk.headers["authorization"] = "Bearer ${key}"\n` +
      `request = function()\n  return wrk.format("GET", "/liveness_check?token=" .. tokens[math.random(#tokens)])\nend\n`,
  );
  return file;
}

async function seed(service: Awaited<ReturnType<typeof startService>>): Promise<{ key: string; tokens: string[] }> {
  const { key } = await service.keys.create('bench');
  const principal = await service.keys.authenticateTenant(key);
  if (!principal) throw new Error('no principal');
  const tokens: string[] = [];
  for (let i = 0; i < CHECKS; i++) tokens.push((await service.checks.create(principal, { reference: `bench-${i}` })).token);
  // Half of them complete with a result, as a backend polling a campaign would see.
  const result = JSON.stringify({ passed: true, confidence: 0.91, threshold: 0.5, checked_at: new Date().toISOString(), bounding_box: { left: 0.3, top: 0.2, width: 0.35, height: 0.45 } });
  await service.store.db.updateTable('liveness_checks').set({ status: 'complete', result, completed_at: Date.now(), finished_at: Date.now() }).where('reference', 'like', 'bench-%0').execute();
  await service.store.db.updateTable('liveness_checks').set({ status: 'complete', result, completed_at: Date.now(), finished_at: Date.now() }).where('reference', 'like', 'bench-%2').execute();
  return { key, tokens: tokens.slice(0, 2000) };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), counted from the state field (3) here.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Every PostgreSQL server process on this machine (its backends come and go with connections). */
function postgresPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** CPU seconds used so far by the processes alive now; a process gone since counts as 0 for both reads. */
function cpuOfPids(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      out.set(pid, cpuSeconds(pid));
    } catch {
      // exited
    }
  }
  return out;
}

interface Target {
  name: string;
  /** Store server processes whose CPU a request also costs (PostgreSQL), measured separately. */
  storePids?: () => number[];
  /** The server processes whose CPU time a request costs. */
  pids: Array<number | undefined>;
  /** Saturating throughput: one wrk per process, rates added. */
  saturate(): Promise<WrkResult>;
  /** p99 at a fixed 1,000 req/s. */
  atRate(): Promise<number>;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

async function main(): Promise<void> {
  const children: ReturnType<typeof spawn>[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    // Baseline: a bare Fastify route with constant JSON, in its own process like the services below.
    children.push(spawn('node', ['--input-type=module', '-e', BARE_SERVER, String(BARE_PORT)], { stdio: ['ignore', 'ignore', 'inherit'] }));
    const bareUrl = `http://127.0.0.1:${BARE_PORT}`;
    await waitFor(`${bareUrl}/liveness_check`);
    const bareScript = luaScript(['x'], 'x');

    // Embedded store, one process (seeded here, then served by the built CLI as `npm start` does).
    const dir = mkdtempSync(path.join(tmpdir(), 'lc-bench-data-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const embeddedEnv = { ...process.env, ...LIMITS, LIVECHECK_DATA_DIR: dir, LIVECHECK_ROLE: 'api', LIVECHECK_ADMIN_KEY: 'b'.repeat(32), LOG_LEVEL: 'info' };
    const seederSqlite = await startService(loadConfig({ ...embeddedEnv, PORT: '0', LOG_LEVEL: 'silent' }));
    const seeded = await seed(seederSqlite);
    await seederSqlite.close();
    children.push(spawn('node', ['bin/livecheck.js', 'serve'], { env: { ...embeddedEnv, PORT: String(EMBEDDED_PORT) }, stdio: 'ignore' }));
    const sqliteUrl = `http://127.0.0.1:${EMBEDDED_PORT}`;
    await waitFor(`${sqliteUrl}/readyz`);
    const sqliteScript = luaScript(seeded.tokens, seeded.key);

    // PostgreSQL with two API processes; wrk drives both at once and the rates add up.
    const schema = `lc_bench_${Date.now()}`;
    const pgDir = mkdtempSync(path.join(tmpdir(), 'lc-bench-pg-'));
    cleanups.push(async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
      rmSync(pgDir, { recursive: true, force: true });
    });
    const env = { ...process.env, ...LIMITS, DATABASE_URL: PG_URL, LIVECHECK_DB_SCHEMA: schema, LIVECHECK_DATA_DIR: pgDir, LIVECHECK_ROLE: 'api', LIVECHECK_ADMIN_KEY: 'b'.repeat(32), LIVECHECK_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'), LOG_LEVEL: 'info' };
    const seeder = await startService(loadConfig({ ...env, PORT: '0', LOG_LEVEL: 'silent' }));
    const pgSeeded = await seed(seeder);
    await seeder.close();
    const ports = [39401, 39402];
    for (const port of ports) children.push(spawn('node', ['bin/livecheck.js', 'serve'], { env: { ...env, PORT: String(port) }, stdio: 'ignore' }));
    for (const port of ports) await waitFor(`http://127.0.0.1:${port}/readyz`);
    const pgScript = luaScript(pgSeeded.tokens, pgSeeded.key);

    const polls = (tokens: string[]) => tokens.map((t) => `/liveness_check?token=${t}`);
    const targets: Target[] = [
      { name: 'bare Fastify, constant JSON (baseline)', pids: [children[0]?.pid], saturate: () => wrk(bareUrl, bareScript), atRate: () => fixedRate(bareUrl, {}, ['/liveness_check']) },
      {
        name: 'livecheck, embedded SQLite, 1 process',
        pids: [children[1]?.pid],
        saturate: () => wrk(sqliteUrl, sqliteScript),
        atRate: () => fixedRate(sqliteUrl, { authorization: `Bearer ${seeded.key}` }, polls(seeded.tokens)),
      },
      {
        name: 'livecheck, PostgreSQL, 2 api processes',
        pids: [children[2]?.pid, children[3]?.pid],
        storePids: postgresPids,
        saturate: async () => {
          const both = await Promise.all(ports.map((port) => wrk(`http://127.0.0.1:${port}`, pgScript, 1)));
          return { rps: both.reduce((sum, r) => sum + r.rps, 0), p99ms: Math.max(...both.map((r) => r.p99ms)) };
        },
        atRate: () => fixedRate(`http://127.0.0.1:${ports[0]}`, { authorization: `Bearer ${pgSeeded.key}` }, polls(pgSeeded.tokens)),
      },
    ];

    // Rounds interleave the targets, so that a slow spell of a shared machine hits them all alike;
    // every figure is the median over the rounds, each ratio the median of the rounds' ratios.
    const runs = targets.map(() => ({ rps: [] as number[], p99: [] as number[], atRate: [] as number[], ratio: [] as number[], cpu: [] as number[], cpuRatio: [] as number[], storeCpu: [] as number[] }));
    const seconds = Number(/^(\d+)s$/.exec(DURATION)?.[1] ?? NaN);
    for (let round = 0; round < ROUNDS; round++) {
      const results: WrkResult[] = [];
      const cpu: number[] = [];
      const storeCpu: number[] = [];
      for (const target of targets) {
        const cpuOf = () => target.pids.map(cpuSeconds).reduce((sum: number, value: number) => sum + value, 0);
        const before = cpuOf();
        const storeBefore = cpuOfPids(target.storePids?.() ?? []);
        const result = await target.saturate();
        results.push(result);
        const storeAfter = cpuOfPids(target.storePids?.() ?? []);
        let storeSeconds = 0;
        for (const [pid, seconds] of storeAfter) storeSeconds += seconds - (storeBefore.get(pid) ?? 0);
        storeCpu.push(target.storePids ? (storeSeconds * 1e6) / (result.rps * Number(/^(\d+)s$/.exec(DURATION)?.[1] ?? NaN)) : NaN);
        // Microseconds of server CPU per request: less at the mercy of the client and the machine's
        // other tenants than the rate. (wrk's warm-up and tail make this a slight overestimate.)
        cpu.push(((cpuOf() - before) * 1e6) / (result.rps * seconds));
      }
      for (const [i, target] of targets.entries()) {
        const r = results[i] as WrkResult;
        const run = runs[i] as (typeof runs)[number];
        run.rps.push(r.rps);
        run.p99.push(r.p99ms);
        run.ratio.push(r.rps / (results[0] as WrkResult).rps);
        run.cpu.push(cpu[i] ?? NaN);
        run.cpuRatio.push((cpu[i] ?? NaN) / (cpu[0] ?? NaN));
        run.storeCpu.push(storeCpu[i] ?? NaN);
        run.atRate.push(await target.atRate());
      }
      const last = (values: number[]) => (values.at(-1) ?? NaN).toFixed(2);
      console.error(
        `round ${round + 1}/${ROUNDS}: ${results.map((r) => r.rps.toFixed(0)).join(' / ')} req/s; p99 at 1,000 req/s ${runs.map((r) => last(r.atRate)).join(' / ')} ms`,
      );
    }

    console.log(`\nGET /liveness_check, ${CHECKS} stored checks, wrk ${CONNECTIONS} connections, ${DURATION} per target and round, median of ${ROUNDS} interleaved rounds\n`);
    console.log('| target | req/s | ratio to bare | p99 ms (saturated) | p99 ms at 1,000 req/s | server CPU µs/request | CPU ratio to bare | PostgreSQL CPU µs/request |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [i, target] of targets.entries()) {
      const run = runs[i] as (typeof runs)[number];
      console.log(`| ${target.name} | ${median(run.rps).toFixed(0)} | ${median(run.ratio).toFixed(2)} | ${median(run.p99).toFixed(2)} | ${median(run.atRate).toFixed(2)} | ${median(run.cpu).toFixed(1)} | ${median(run.cpuRatio).toFixed(2)} | ${target.storePids ? median(run.storeCpu).toFixed(1) : '–'} |`);
    }
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const cleanup of cleanups) await cleanup();
  }
}

await main();
