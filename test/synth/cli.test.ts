// `livecheck synth` writes a session where it is told (outside the repository) and never into it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { runSynthCli } from '../../src/synth/cli.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'livecheck-synth-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Untracked or changed files in the work tree that look like generator output. */
function generatedFilesInRepo(): string[] {
  const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: repo }).toString();
  return status
    .split('\n')
    .map((line) => line.slice(3))
    .filter((file) => /(^|\/)\d{3}\.jpg$|(^|\/)session\.json$|synth.*\.(png|jpe?g)$/i.test(file));
}

describe('livecheck synth', () => {
  it('writes NNN.jpg frames and session.json with times and step tags', async () => {
    const out = path.join(scratch, 'session');
    const sheet = path.join(scratch, 'sheet.png');
    const code = await runSynthCli([
      '--face', 'hopper', '--species', 'bona_fide', '--steps', 'turn_left,look_down', '--seed', '1', '--fps', '3',
      '--out', out, '--sheet', sheet,
    ]);
    expect(code).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(out, 'session.json'), 'utf8')) as {
      species: string;
      challenge: { steps: string[] };
      frames: Array<{ file: string; t: number; step: number }>;
    };
    expect(manifest.species).toBe('bona_fide');
    expect(manifest.challenge.steps).toEqual(['turn_left', 'look_down']);
    expect(manifest.frames[0]).toMatchObject({ file: '000.jpg', t: 0, step: -1 });
    expect(manifest.frames.at(-1)?.step).toBe(1);
    const files = readdirSync(out).filter((f) => f.endsWith('.jpg'));
    expect(files).toHaveLength(manifest.frames.length);
    const meta = await sharp(path.join(out, '000.jpg')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 640, 480]);
    // Frames carry no metadata from the source photos (some have GPS tags).
    expect(meta.exif).toBeUndefined();
    expect(existsSync(sheet)).toBe(true);
  });

  it('--list --json prints the face lists as JSON', async () => {
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      expect(await runSynthCli(['--list', '--json'])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    const lists = JSON.parse(out.join('')) as Record<string, string[]>;
    expect(Object.keys(lists)).toEqual(['tuning', 'held_out', 'fresh', 'degraded']);
    expect(lists.tuning).toContain('hopper');
  });

  it('refuses to write into the repository and rejects bad arguments', async () => {
    const inside = path.join(repo, 'synth-output-test');
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      errors.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await runSynthCli(['--face', 'hopper', '--species', 'bona_fide', '--steps', 'turn_left', '--seed', '1', '--out', inside])).toBe(1);
      expect(await runSynthCli(['--face', 'nobody', '--species', 'bona_fide', '--steps', 'turn_left', '--seed', '1', '--out', scratch])).toBe(1);
      expect(await runSynthCli(['--face', 'hopper', '--species', 'bona_fide', '--steps', 'spin', '--seed', '1', '--out', scratch])).toBe(1);
      expect(await runSynthCli(['--face', 'hopper', '--species', 'deepfake', '--steps', 'turn_left', '--seed', '1', '--out', scratch])).toBe(1);
    } finally {
      process.stderr.write = write;
    }
    expect(existsSync(inside)).toBe(false);
    expect(errors.join('')).toMatch(/not ignored/);
    expect(generatedFilesInRepo()).toEqual([]);
  });
});
