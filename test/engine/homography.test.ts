import { describe, expect, it } from 'vitest';
import { type Homography, type Point2, applyHomography, fitHomography, planarResidual } from '../../src/engine/homography.js';
import { PARALLAX_FLAT_RESIDUAL, PARALLAX_HEAD_RESIDUAL, parallaxScore, sessionParallax } from '../../src/engine/parallax.js';
import { headLandmarks, printLandmarks, seeded } from './helpers/sessions.js';

const square: Point2[] = [
  [100, 100],
  [300, 110],
  [310, 290],
  [90, 300],
  [200, 200],
  [150, 260],
];

describe('fitHomography', () => {
  it('recovers a known perspective mapping exactly', () => {
    const truth: Homography = [1.1, 0.05, 12, -0.04, 0.95, -7, 0.0004, -0.0002, 1];
    const mapped = square.map((p) => applyHomography(truth, p));
    const fitted = fitHomography(square, mapped);
    expect(fitted).toBeDefined();
    fitted?.forEach((v, i) => expect(v).toBeCloseTo(truth[i] ?? 0, 5));
    expect(planarResidual(square, mapped)).toBeLessThan(1e-6);
  });

  it('refuses fewer than four points and collinear points', () => {
    expect(fitHomography(square.slice(0, 3), square.slice(0, 3))).toBeUndefined();
    const line: Point2[] = [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]];
    expect(fitHomography(line, line)).toBeUndefined();
    expect(planarResidual(line, line)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('parallax', () => {
  const random = seeded(3);
  const xy = (points: Array<[number, number, number]>): Point2[] => points.map(([x, y]) => [x, y] as const);

  it('a turned head departs from a plane; a turned print does not', () => {
    const frontal = headLandmarks(0, 0, random);
    for (const [yaw, pitch] of [[22, 0], [-22, 0], [0, 16], [0, -16]] as const) {
      expect(parallaxScore(frontal, headLandmarks(yaw, pitch, random)), `head ${yaw}/${pitch}`).toBeGreaterThan(0.8);
    }
    const print = printLandmarks(0, 0, random);
    for (const [yaw, pitch] of [[30, 0], [0, 25], [25, 20]] as const) {
      expect(parallaxScore(print, printLandmarks(yaw, pitch, random)), `print ${yaw}/${pitch}`).toBe(0);
    }
    expect(planarResidual(xy(print), xy(printLandmarks(35, 0, random)))).toBeLessThan(PARALLAX_FLAT_RESIDUAL);
    expect(planarResidual(xy(frontal), xy(headLandmarks(25, 0, random)))).toBeGreaterThan(PARALLAX_HEAD_RESIDUAL);
  });

  it('the session value is the median over step peaks, 0 without views', () => {
    const frontal = headLandmarks(0, 0, random);
    const head = headLandmarks(25, 0, random);
    const flat = frontal.map(([x, y, z]) => [x + 3, y - 2, z]);
    expect(sessionParallax(frontal, [head, head, flat])).toBe(1);
    expect(sessionParallax(frontal, [flat, flat, head])).toBe(0);
    expect(sessionParallax(frontal, [])).toBe(0);
    expect(sessionParallax(undefined, [head])).toBe(0);
  });
});
