// Polling throughput: GET /liveness_check over 10,000 stored checks, against a bare Fastify route
// returning constant JSON measured in the same run (the ceiling of this machine and HTTP stack).
// Run: npx tsx bench/polling.ts   (needs wrk: apt-get install wrk; PostgreSQL at 127.0.0.1:5432)
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { startService } from '../src/service.js';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 10_000);
const DURATION = process.env.BENCH_DURATION ?? '10s';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
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

async function main(): Promise<void> {
  // Baseline: a bare Fastify route with constant JSON, in its own process like the services below.
  const bare = spawn('node', ['--input-type=module', '-e', BARE_SERVER, String(BARE_PORT)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const bareUrl = `http://127.0.0.1:${BARE_PORT}`;
  await waitFor(`${bareUrl}/liveness_check`);
  const bareScript = luaScript(['x'], 'x');
  const baseline = await wrk(bareUrl, bareScript);
  const baselineP99AtRate = await fixedRate(bareUrl, {}, ['/liveness_check']);
  bare.kill('SIGTERM');

  // Embedded store, one process (seeded here, then served by the built CLI as `npm start` does).
  const dir = mkdtempSync(path.join(tmpdir(), 'lc-bench-data-'));
  const embeddedEnv = { ...process.env, ...LIMITS, LIVECHECK_DATA_DIR: dir, LIVECHECK_ROLE: 'api', LIVECHECK_ADMIN_KEY: 'b'.repeat(32), LOG_LEVEL: 'silent' };
  const seederSqlite = await startService(loadConfig({ ...embeddedEnv, PORT: '0' }));
  const seeded = await seed(seederSqlite);
  await seederSqlite.close();
  const sqlite = spawn('node', ['bin/livecheck.js', 'serve'], { env: { ...embeddedEnv, PORT: String(EMBEDDED_PORT) }, stdio: 'ignore' });
  const sqliteUrl = `http://127.0.0.1:${EMBEDDED_PORT}`;
  await waitFor(`${sqliteUrl}/readyz`);
  const embedded = await wrk(sqliteUrl, luaScript(seeded.tokens, seeded.key));
  const embeddedP99AtRate = await fixedRate(sqliteUrl, { authorization: `Bearer ${seeded.key}` }, seeded.tokens.map((t) => `/liveness_check?token=${t}`));
  sqlite.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });

  // PostgreSQL with two API processes; wrk drives both at once and the rates add up.
  const schema = `lc_bench_${Date.now()}`;
  const pgDir = mkdtempSync(path.join(tmpdir(), 'lc-bench-pg-'));
  const env = { ...process.env, ...LIMITS, DATABASE_URL: PG_URL, LIVECHECK_DB_SCHEMA: schema, LIVECHECK_DATA_DIR: pgDir, LIVECHECK_ROLE: 'api', LIVECHECK_ADMIN_KEY: 'b'.repeat(32), LIVECHECK_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'), LOG_LEVEL: 'silent' };
  const seeder = await startService(loadConfig({ ...env, PORT: '0' }));
  const pgSeeded = await seed(seeder);
  await seeder.close();
  const ports = [39401, 39402];
  const children = ports.map((port) => spawn('node', ['bin/livecheck.js', 'serve'], { env: { ...env, PORT: String(port) }, stdio: 'ignore' }));
  for (const port of ports) await waitFor(`http://127.0.0.1:${port}/readyz`);
  const script = luaScript(pgSeeded.tokens, pgSeeded.key);
  const both = await Promise.all(ports.map((port) => wrk(`http://127.0.0.1:${port}`, script, 1)));
  const postgres = { rps: both.reduce((s, r) => s + r.rps, 0), p99ms: Math.max(...both.map((r) => r.p99ms)) };
  const postgresP99AtRate = await fixedRate(`http://127.0.0.1:${ports[0]}`, { authorization: `Bearer ${pgSeeded.key}` }, pgSeeded.tokens.map((t) => `/liveness_check?token=${t}`));
  children.forEach((c) => c.kill('SIGTERM'));
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`drop schema "${schema}" cascade`);
  await client.end();
  rmSync(pgDir, { recursive: true, force: true });

  const row = (name: string, r: WrkResult, atRate: number) =>
    `| ${name} | ${r.rps.toFixed(0)} | ${(r.rps / baseline.rps).toFixed(2)} | ${r.p99ms.toFixed(2)} | ${atRate.toFixed(2)} |`;
  console.log(`\nGET /liveness_check, ${CHECKS} stored checks, wrk ${CONNECTIONS} connections, ${DURATION}\n`);
  console.log('| target | req/s | ratio to bare | p99 ms (saturated) | p99 ms at 1,000 req/s |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(row('bare Fastify, constant JSON (baseline)', baseline, baselineP99AtRate));
  console.log(row('livecheck, embedded SQLite, 1 process', embedded, embeddedP99AtRate));
  console.log(row('livecheck, PostgreSQL, 2 api processes', postgres, postgresP99AtRate));
}

await main();
