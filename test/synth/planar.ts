// How far the motion of face landmarks between two frames departs from a single plane's: the RMS error of
// the best homography mapping one set onto the other, relative to the face size. A card (print) moves
// as a plane (≈ landmark noise); a head turning shows parallax (nose against cheeks) well above it.

type Point = readonly [number, number];

/** Landmarks spread over the face, on and off its "plane" (nose tip and bridge, eyes, mouth, outline). */
export const PARALLAX_LANDMARKS = [1, 4, 6, 168, 197, 33, 133, 362, 263, 61, 291, 13, 14, 152, 10, 234, 454, 93, 323, 58, 288, 70, 300];

function normaliser(points: readonly Point[]): { apply: (p: Point) => Point; scale: number } {
  const cx = points.reduce((s, p) => s + p[0], 0) / points.length;
  const cy = points.reduce((s, p) => s + p[1], 0) / points.length;
  const spread = Math.sqrt(points.reduce((s, p) => s + (p[0] - cx) ** 2 + (p[1] - cy) ** 2, 0) / points.length) || 1;
  return { apply: (p) => [(p[0] - cx) / spread, (p[1] - cy) / spread], scale: spread };
}

/** Solves A x = b (n×n) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r;
    [m[col], m[pivot]] = [m[pivot] ?? [], m[col] ?? []];
    const p = m[col]?.[col] ?? 1;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = (m[r]?.[col] ?? 0) / p;
      for (let c = col; c <= n; c++) (m[r] as number[])[c] = (m[r]?.[c] ?? 0) - f * (m[col]?.[c] ?? 0);
    }
  }
  return m.map((row, i) => (row[n] ?? 0) / (row[i] ?? 1));
}

/** RMS residual of the best homography from `from` to `to`, as a fraction of the face's spread in `to`. */
export function planarResidual(from: readonly Point[], to: readonly Point[]): number {
  const nf = normaliser(from);
  const nt = normaliser(to);
  const a = from.map(nf.apply);
  const b = to.map(nt.apply);
  // Least squares for h (8 unknowns, h33 = 1): x' (g x + h y + 1) = a x + b y + c, likewise for y'.
  const rows: number[][] = [];
  const rhs: number[] = [];
  a.forEach((p, i) => {
    const q = b[i] ?? [0, 0];
    rows.push([p[0], p[1], 1, 0, 0, 0, -q[0] * p[0], -q[0] * p[1]]);
    rhs.push(q[0]);
    rows.push([0, 0, 0, p[0], p[1], 1, -q[1] * p[0], -q[1] * p[1]]);
    rhs.push(q[1]);
  });
  const ata = Array.from({ length: 8 }, (_, i) => Array.from({ length: 8 }, (_, j) => rows.reduce((s, r) => s + (r[i] ?? 0) * (r[j] ?? 0), 0)));
  const atb = Array.from({ length: 8 }, (_, i) => rows.reduce((s, r, k) => s + (r[i] ?? 0) * (rhs[k] ?? 0), 0));
  const h = solve(ata, atb);
  let sum = 0;
  a.forEach((p, i) => {
    const q = b[i] ?? [0, 0];
    const w = (h[6] ?? 0) * p[0] + (h[7] ?? 0) * p[1] + 1;
    const x = ((h[0] ?? 0) * p[0] + (h[1] ?? 0) * p[1] + (h[2] ?? 0)) / w;
    const y = ((h[3] ?? 0) * p[0] + (h[4] ?? 0) * p[1] + (h[5] ?? 0)) / w;
    sum += (x - q[0]) ** 2 + (y - q[1]) ** 2;
  });
  return Math.sqrt(sum / a.length);
}
