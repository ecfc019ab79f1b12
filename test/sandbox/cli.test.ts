// The sandbox from a shell, as a CI job would drive it: the built bin/livecheck.js makes a test key on
// the service's store, creates a check and decides it with `checks simulate TOKEN --outcome …`
// (run `npm run build` first). Exit codes and refusals as documented in `checks --help`.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { type TestService, startTestService } from '../helpers/service.js';
import { read } from './helpers.js';

const exec = promisify(execFile);
const BIN = path.resolve('bin/livecheck.js');

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
let t: TestService;
let testKey: string;
let liveKey: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function livecheck(args: string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await exec('node', [BIN, ...args], { env: { ...process.env, LIVECHECK_URL: t.url, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function createToken(key: string): Promise<string> {
  const run = await livecheck(['checks', 'create', '--json'], { LIVECHECK_API_KEY: key });
  expect(run.code, run.stderr).toBe(0);
  const created = JSON.parse(run.stdout) as { token: string; mode: string };
  expect(created.mode).toBe(key.startsWith('lc_test_') ? 'test' : 'live');
  return created.token;
}

beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
  t = await startTestService('sqlite', { analyzer });
  liveKey = await t.tenantKey('acme');
});
afterAll(async () => {
  await t?.stop();
  await analyzer?.close();
});

describe('livecheck keys create --mode test', () => {
  it('makes a test key on the store that the running service accepts', async () => {
    const run = await livecheck(['keys', 'create', '--tenant', 'acme', '--mode', 'test', '--json'], { LIVECHECK_DATA_DIR: t.store.dataDir });
    expect(run.code, run.stderr).toBe(0);
    const created = JSON.parse(run.stdout) as { key: string; mode: string; tenant: string };
    expect(created).toMatchObject({ mode: 'test', tenant: 'acme' });
    expect(created.key).toMatch(/^lc_test_[A-Za-z0-9]{40}$/);
    testKey = created.key;
    const listed = await livecheck(['keys', 'list', '--tenant', 'acme'], { LIVECHECK_DATA_DIR: t.store.dataDir });
    expect(listed.stdout).toMatch(/acme {2}test {2}…/);
  });

  it('refuses another mode', async () => {
    const run = await livecheck(['keys', 'create', '--tenant', 'acme', '--mode', 'sandbox'], { LIVECHECK_DATA_DIR: t.store.dataDir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--mode must be live or test');
  });
});

describe('livecheck checks simulate', () => {
  it('--outcome passed: the check reads passed, and `checks wait` exits 0', async () => {
    const token = await createToken(testKey);
    const run = await livecheck(['checks', 'simulate', token, '--outcome', 'passed', '--json'], { LIVECHECK_API_KEY: testKey });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'complete', mode: 'test', result: { passed: true } });
    const wait = await livecheck(['checks', 'wait', token], { LIVECHECK_API_KEY: testKey });
    expect(wait.code).toBe(0);
    expect(wait.stdout).toContain('PASSED');
  });

  it('--outcome failed --failure-reason no_face, in words', async () => {
    const token = await createToken(testKey);
    const run = await livecheck(['checks', 'simulate', token, '--outcome', 'failed', '--failure-reason', 'no_face'], { LIVECHECK_API_KEY: testKey });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('simulated failed');
    expect(run.stdout).toContain('NOT PASSED');
    expect(run.stdout).toContain('reason no_face');
    expect((await read(t, testKey, token)).body).toMatchObject({ status: 'failed', result: { failure_reason: 'no_face' } });
  });

  it('--outcome expired: the check answers expired at once', async () => {
    const token = await createToken(testKey);
    const run = await livecheck(['checks', 'simulate', token, '--outcome', 'expired'], { LIVECHECK_API_KEY: testKey });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('expired: the link was not used in time');
    expect((await read(t, testKey, token)).status).toBe(410);
  });

  it('usage errors exit 1 without calling the service', async () => {
    const token = await createToken(testKey);
    for (const args of [['--outcome', 'won'], [], ['--outcome', 'passed', '--failure-reason', 'no_face']]) {
      const run = await livecheck(['checks', 'simulate', token, ...args], { LIVECHECK_API_KEY: testKey });
      expect(run.code, args.join(' ')).toBe(1);
    }
    expect((await read(t, testKey, token)).body.status).toBe('pending');
  });

  it('with a live key: exit 3, and the live check stays pending', async () => {
    const token = await createToken(liveKey);
    const run = await livecheck(['checks', 'simulate', token, '--outcome', 'passed', '--json'], { LIVECHECK_API_KEY: liveKey });
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { status: 404, code: 'not_found' } });
    expect((await read(t, liveKey, token)).body.status).toBe('pending');
  });

  it('a test key cannot even find a live check by its token (400, as unknown)', async () => {
    const token = await createToken(liveKey);
    const run = await livecheck(['checks', 'simulate', token, '--outcome', 'passed', '--json'], { LIVECHECK_API_KEY: testKey });
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { status: 400, code: 'invalid_token' } });
    expect((await read(t, liveKey, token)).body.status).toBe('pending');
  });
});
