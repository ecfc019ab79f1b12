// Shared by the security tests: the real analyzer pool, frames cut from a real portrait, a full
// capture session over HTTP, and readers that dump every table of the store.
import sharp from 'sharp';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect } from 'vitest';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer, FrameObservation } from '../../src/engine/types.js';
import { cameraFrame, dataUri, portraitPath } from '../helpers/faces.js';
import type { TestService } from '../helpers/service.js';

export type Pool = FrameAnalyzer & { ready(): Promise<void> };

export async function startPool(): Promise<Pool> {
  const pool = createAnalyzerPool({ size: 1 });
  await pool.ready();
  return pool;
}

/** The real analyzer pool and `count` still frames for a test file: made before its tests, closed after. */
export function sharedPoolAndFrames(count = 8): { pool: Pool; frames: Buffer[] } {
  const shared = {} as { pool: Pool; frames: Buffer[] };
  beforeAll(async () => {
    shared.pool = await startPool();
    shared.frames = await stillFrames(count);
  });
  afterAll(() => shared.pool?.close());
  return shared;
}

/** Counts what reaches the models, to show that bad input is refused before any model runs. */
export class CountingAnalyzer implements FrameAnalyzer {
  calls = 0;
  constructor(private readonly inner: FrameAnalyzer) {}
  analyze(jpeg: Buffer): Promise<FrameObservation> {
    this.calls++;
    return this.inner.analyze(jpeg);
  }
  /** The pool is shared by the file and closed once by it. */
  async close(): Promise<void> {}
}

/** A photo held in front of the camera: the same face, shifted by a hand's tremor. */
export async function stillFrames(count: number): Promise<Buffer[]> {
  const photo = portraitPath();
  return Promise.all(Array.from({ length: count }, (_, i) => cameraFrame(photo, (i * 7) % 13, (i * 5) % 11)));
}

export async function flatJpeg(width = 320, height = 240): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 90, g: 110, b: 120 } } }).jpeg().toBuffer();
}

export interface Created {
  id: string;
  token: string;
  url: string;
  status: string;
  expires_at: string;
  reference?: string;
}

export interface ErrorBody {
  error: { code: string; message: string; request_id: string };
}

export const captureIdOf = (url: string) => new URL(url).pathname.replace('/c/', '');

export async function createCheck(t: TestService, key: string, json: object = {}): Promise<Created> {
  const res = await t.request('/liveness_check', { method: 'POST', key, json });
  expect(res.status).toBe(201);
  return (await res.json()) as Created;
}

/** Asserts the one error envelope and returns it. */
export async function expectEnvelope(res: Response): Promise<ErrorBody> {
  const body = (await res.json()) as ErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error.code).toBe('string');
  expect(typeof body.error.message).toBe('string');
  expect(body.error.request_id).toMatch(/^req_[0-9a-f]{32}$/);
  return body;
}

export interface Session {
  check: Created;
  captureId: string;
  /** Every frames request body sent, for replays. */
  uploads: Array<{ frames: Array<{ t: number; step: number; image: string }> }>;
  result: { status: number; body: unknown };
}

/** Create → start → frames → finish → result, as a client would. */
export async function runSession(t: TestService, key: string, frames: Buffer[], json: object = {}): Promise<Session> {
  const check = await createCheck(t, key, json);
  const captureId = captureIdOf(check.url);
  const start = await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' });
  expect(start.status).toBe(200);
  const steps = ((await start.json()) as { challenge: { steps: string[] } }).challenge.steps.length;
  const perStep = Math.max(1, Math.floor(frames.length / (steps + 1)));
  const uploads: Session['uploads'] = [];
  for (let i = 0; i < frames.length; i += 4) {
    const batch = frames.slice(i, i + 4).map((jpeg, j) => {
      const n = i + j;
      return { t: n * 200, step: Math.min(steps - 1, Math.floor(n / perStep) - 1), image: dataUri(jpeg) };
    });
    const res = await t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames: batch } });
    expect(res.status, res.status === 202 ? '' : await res.text()).toBe(202);
    uploads.push({ frames: batch });
  }
  expect((await t.request(`/v1/capture/${captureId}/finish`, { method: 'POST' })).status).toBe(202);
  return { check, captureId, uploads, result: await waitForResult(t, key, check.token) };
}

export async function waitForResult(t: TestService, key: string, token: string, timeoutMs = 60_000): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.request(`/liveness_check?token=${token}`, { key });
    if (res.status !== 202) return { status: res.status, body: await res.json() };
    if (Date.now() > deadline) throw new Error('no result in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export type TableDump = Record<string, Array<Record<string, unknown>>>;

/** Every row of every table of the store (SQLite file or the test's PostgreSQL schema). */
export async function dumpTables(t: TestService): Promise<TableDump> {
  const { db, dialect } = t.service.store;
  const names =
    dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)).rows
      : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(db)).rows;
  const dump: TableDump = {};
  for (const { name } of names) {
    dump[name] = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows;
  }
  return dump;
}

/** Each cell as bytes: blobs/bytea as they are, everything else as its UTF-8 text. */
export function cellsAsBytes(dump: TableDump): Buffer[] {
  const cells: Buffer[] = [];
  for (const rows of Object.values(dump)) {
    for (const row of rows) {
      for (const value of Object.values(row)) {
        if (value === null || value === undefined) continue;
        cells.push(Buffer.isBuffer(value) ? value : value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(String(value), 'utf8'));
      }
    }
  }
  return cells;
}

/** Tables holding a cell that contains any of `needles`. */
export function tablesMentioning(dump: TableDump, needles: string[]): string[] {
  const hits = new Set<string>();
  for (const [table, rows] of Object.entries(dump)) {
    // Buffers become hex (JSON.stringify would call their toJSON before any replacer).
    const text = JSON.stringify(rows.map((row) => Object.values(row).map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))));
    if (needles.some((n) => text.includes(n))) hits.add(table);
  }
  return [...hits].sort();
}
