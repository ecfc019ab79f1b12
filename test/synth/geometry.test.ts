// The generator's building blocks, without face models: seeded randomness, pose conventions, the
// rasteriser, the timeline and the guard that keeps generated images out of the repository.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHALLENGE_MOVES } from '../../src/engine/types.js';
import { cardCorners } from '../../src/synth/attacks/card.js';
import { differentMoves } from '../../src/synth/attacks/replay.js';
import { trackedByGit } from '../../src/synth/cli.js';
import { createImage } from '../../src/synth/image.js';
import { dilateMask, inpaint } from '../../src/synth/inpaint.js';
import { mat3Apply, moveTarget, oppositeMove, poseFromRotation, poseRotation } from '../../src/synth/pose.js';
import { Random } from '../../src/synth/random.js';
import { createLayer, rasterize } from '../../src/synth/rasterizer.js';
import { buildTimeline } from '../../src/synth/timeline.js';

describe('Random', () => {
  it('repeats for a seed and differs across seeds', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, ((r) => () => r.next())(new Random(seed)));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('forks named streams: the same name from the same state repeats, another name differs', () => {
    expect(new Random(7).fork('noise').next()).toBe(new Random(7).fork('noise').next());
    expect(new Random(7).fork('noise').next()).not.toBe(new Random(7).fork('motion').next());
  });

  it('draws roughly uniform numbers in [0, 1)', () => {
    const random = new Random(1);
    const values = Array.from({ length: 20_000 }, () => random.next());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((s, v) => s + v, 0) / values.length).toBeCloseTo(0.5, 1);
  });
});

describe('pose conventions (image axes: x right, y down, z away from the camera)', () => {
  const nose: [number, number, number] = [0, 0, -100];

  it('turn_left moves the nose toward the image right, look_up toward the image top', () => {
    expect(mat3Apply(poseRotation(moveTarget('turn_left', 30, 20)), nose)[0]).toBeGreaterThan(40);
    expect(mat3Apply(poseRotation(moveTarget('turn_right', 30, 20)), nose)[0]).toBeLessThan(-40);
    expect(mat3Apply(poseRotation(moveTarget('look_up', 30, 20)), nose)[1]).toBeLessThan(-30);
    expect(mat3Apply(poseRotation(moveTarget('look_down', 30, 20)), nose)[1]).toBeGreaterThan(30);
  });

  it('recovers a pose from its rotation', () => {
    const pose = { yaw: 23, pitch: -14, roll: 6 };
    const back = poseFromRotation(poseRotation(pose));
    expect(back.yaw).toBeCloseTo(pose.yaw, 6);
    expect(back.pitch).toBeCloseTo(pose.pitch, 6);
    expect(back.roll).toBeCloseTo(pose.roll, 6);
  });

  it('pairs each move with its opposite', () => {
    for (const move of CHALLENGE_MOVES) {
      expect(oppositeMove(oppositeMove(move))).toBe(move);
      const a = moveTarget(move, 30, 20);
      const b = moveTarget(oppositeMove(move), 30, 20);
      expect(a.yaw + b.yaw).toBe(0);
      expect(a.pitch + b.pitch).toBe(0);
    }
  });

  it('replays a different move at every step', () => {
    const asked = [...CHALLENGE_MOVES, ...CHALLENGE_MOVES];
    const replayed = differentMoves(asked, new Random(3));
    replayed.forEach((move, i) => expect(move).not.toBe(asked[i]));
  });
});

describe('rasteriser', () => {
  const texture = createImage(2, 1);
  texture.data.set([255, 0, 0, 0, 0, 255]); // red | blue

  function quad(depth: number, x0: number, x1: number) {
    return {
      screen: Float32Array.from([x0, 0, depth, x1, 0, depth, x1, 10, depth, x0, 10, depth]),
      uv: Float32Array.from([0, 0.5, 2, 0.5, 2, 0.5, 0, 0.5]),
      alpha: new Float32Array(4).fill(1),
      shade: new Float32Array(4).fill(1),
      triangles: Uint32Array.from([0, 2, 1, 0, 3, 2]),
      texture,
      cullBackFaces: true,
    };
  }

  it('maps texture across a front-facing quad and keeps the nearest surface', () => {
    const layer = createLayer(10, 10);
    rasterize(layer, quad(5, 0, 10));
    expect(layer.alpha[5 * 10 + 1]).toBe(1);
    expect(layer.color[(5 * 10 + 1) * 3]).toBeGreaterThan(200); // left: red
    expect(layer.color[(5 * 10 + 8) * 3 + 2]).toBeGreaterThan(200); // right: blue
    const farther = { ...quad(9, 0, 10), shade: new Float32Array(4).fill(0) };
    rasterize(layer, farther);
    expect(layer.color[(5 * 10 + 1) * 3]).toBeGreaterThan(200);
  });

  it('skips faces turned away from the camera', () => {
    const layer = createLayer(10, 10);
    const back = quad(5, 0, 10);
    back.triangles = Uint32Array.from([0, 1, 2, 0, 2, 3]);
    rasterize(layer, back);
    expect(layer.alpha.every((a) => a === 0)).toBe(true);
  });
});

describe('inpainting', () => {
  it('fills a hole from its surroundings', () => {
    const image = createImage(32, 32);
    image.data.fill(100);
    const mask = new Uint8Array(32 * 32);
    for (let y = 10; y < 20; y++) for (let x = 10; x < 20; x++) {
      mask[y * 32 + x] = 1;
      image.data.fill(0, (y * 32 + x) * 3, (y * 32 + x) * 3 + 3);
    }
    const filled = inpaint(image, dilateMask(mask, 32, 32, 1));
    expect(filled.data[(15 * 32 + 15) * 3]).toBe(100);
  });
});

describe('timeline', () => {
  it('opens frontal, then tags every step in order, at about the frame rate', () => {
    const frames = buildTimeline({ stepCount: 3, fps: 10 }, new Random(5));
    expect(frames[0]?.t).toBe(0);
    expect(frames[0]?.step).toBe(-1);
    const steps = frames.map((f) => f.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(steps)).toEqual(new Set([-1, 0, 1, 2]));
    for (let i = 1; i < frames.length; i++) {
      const gap = (frames[i]?.t ?? 0) - (frames[i - 1]?.t ?? 0);
      expect(gap).toBeGreaterThan(70);
      expect(gap).toBeLessThan(130);
    }
    for (let step = 0; step < 3; step++) {
      expect(Math.max(...frames.filter((f) => f.step === step).map((f) => f.amount))).toBe(1);
    }
  });
});

describe('cards', () => {
  it('a card turned toward the image right shows its right edge shorter (farther)', () => {
    const [tl, tr, br, bl] = cardCorners({ centre: [0, 0, 600], halfWidth: 200, halfHeight: 150, pose: moveTarget('turn_left', 30, 20) });
    const project = (p: [number, number, number] | undefined) => (p ? [(600 * p[0]) / p[2], (600 * p[1]) / p[2]] : [0, 0]);
    const leftEdge = (project(bl)[1] ?? 0) - (project(tl)[1] ?? 0);
    const rightEdge = (project(br)[1] ?? 0) - (project(tr)[1] ?? 0);
    expect(rightEdge).toBeLessThan(leftEdge * 0.9);
  });
});

describe('images stay out of the repository', () => {
  it('refuses an output directory that git would track, accepts a temporary one', () => {
    const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
    expect(trackedByGit(path.join(repo, 'synth-frames'))).toMatch(/not ignored/);
    expect(trackedByGit(path.join(repo, 'src', 'synth', 'frames'))).toMatch(/not ignored/);
    expect(trackedByGit(mkdtempSync(path.join(os.tmpdir(), 'synth-')))).toBeUndefined();
  });
});
