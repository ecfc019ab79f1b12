// Plane-to-plane fit (normalised DLT, least squares) between two views of the same landmarks. Any two
// pictures of a flat object (a print, a screen) are related by one homography; a head turning is not.

export type Point2 = readonly [number, number];
/** Row-major 3×3, h[8] = 1. */
export type Homography = [number, number, number, number, number, number, number, number, number];

interface Normalisation {
  points: Point2[];
  /** Maps original → normalised: x' = s·(x − cx). */
  cx: number;
  cy: number;
  s: number;
}

/** Hartley normalisation: centroid at the origin, mean distance √2, so the linear system is well conditioned. */
function normalise(points: readonly Point2[]): Normalisation {
  let cx = 0;
  let cy = 0;
  for (const [x, y] of points) {
    cx += x;
    cy += y;
  }
  cx /= points.length;
  cy /= points.length;
  let spread = 0;
  for (const [x, y] of points) spread += Math.hypot(x - cx, y - cy);
  spread /= points.length;
  const s = spread > 0 ? Math.SQRT2 / spread : 1;
  return { points: points.map(([x, y]) => [s * (x - cx), s * (y - cy)] as const), cx, cy, s };
}

/**
 * Least-squares homography mapping `from` onto `to` (at least 4 point pairs, not all collinear), or undefined
 * when the system is degenerate. Fixes h33 = 1, which is safe after normalisation for views of a face.
 */
export function fitHomography(from: readonly Point2[], to: readonly Point2[]): Homography | undefined {
  if (from.length !== to.length || from.length < 4) return undefined;
  const a = normalise(from);
  const b = normalise(to);
  // Normal equations AᵀA h = Aᵀb of the 2n×8 DLT system.
  const ata = Array.from({ length: 8 }, () => new Array<number>(8).fill(0));
  const atb = new Array<number>(8).fill(0);
  const accumulate = (row: readonly number[], rhs: number): void => {
    for (let i = 0; i < 8; i++) {
      const ri = row[i] ?? 0;
      if (ri === 0) continue;
      atb[i] = (atb[i] ?? 0) + ri * rhs;
      const line = ata[i];
      if (!line) continue;
      for (let j = 0; j < 8; j++) line[j] = (line[j] ?? 0) + ri * (row[j] ?? 0);
    }
  };
  for (let k = 0; k < a.points.length; k++) {
    const [x, y] = a.points[k] ?? [0, 0];
    const [u, v] = b.points[k] ?? [0, 0];
    accumulate([x, y, 1, 0, 0, 0, -u * x, -u * y], u);
    accumulate([0, 0, 0, x, y, 1, -v * x, -v * y], v);
  }
  const h = solve(ata, atb);
  if (!h) return undefined;
  // Undo the normalisations: H = Tb⁻¹ · Hn · Ta.
  const hn: Homography = [h[0] ?? 0, h[1] ?? 0, h[2] ?? 0, h[3] ?? 0, h[4] ?? 0, h[5] ?? 0, h[6] ?? 0, h[7] ?? 0, 1];
  const ta: Homography = [a.s, 0, -a.s * a.cx, 0, a.s, -a.s * a.cy, 0, 0, 1];
  const tbInv: Homography = [1 / b.s, 0, b.cx, 0, 1 / b.s, b.cy, 0, 0, 1];
  const full = multiply(tbInv, multiply(hn, ta));
  const scale = full[8];
  if (Math.abs(scale) < 1e-12) return undefined;
  return full.map((v) => v / scale) as Homography;
}

export function applyHomography(h: Homography, [x, y]: Point2): [number, number] {
  const w = h[6] * x + h[7] * y + h[8];
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
}

/**
 * How far `to` departs from the best plane-to-plane mapping of `from`: RMS reprojection error divided by
 * the RMS distance of `to` from its centroid, so the value does not depend on face size. A flat picture
 * gives ~landmark noise (≈0.01); a head turned 20° gives several times more. Infinity when no fit exists.
 */
export function planarResidual(from: readonly Point2[], to: readonly Point2[]): number {
  const h = fitHomography(from, to);
  if (!h) return Number.POSITIVE_INFINITY;
  let err = 0;
  for (let k = 0; k < from.length; k++) {
    const p = from[k];
    const q = to[k];
    if (!p || !q) continue;
    const [u, v] = applyHomography(h, p);
    err += (u - q[0]) ** 2 + (v - q[1]) ** 2;
  }
  const spread = normalise(to);
  let size = 0;
  for (const [x, y] of to) size += (x - spread.cx) ** 2 + (y - spread.cy) ** 2;
  if (size === 0) return Number.POSITIVE_INFINITY;
  return Math.sqrt(err / size);
}

function multiply(a: Homography, b: Homography): Homography {
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let k = 0; k < 3; k++) sum += (a[r * 3 + k] ?? 0) * (b[k * 3 + c] ?? 0);
      out[r * 3 + c] = sum;
    }
  }
  return out as Homography;
}

/** Gaussian elimination with partial pivoting; undefined for a (near-)singular system. */
function solve(matrix: number[][], rhs: number[]): number[] | undefined {
  const n = rhs.length;
  const m = matrix.map((row, i) => [...row, rhs[i] ?? 0]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r;
    }
    const pivotRow = m[pivot];
    const current = m[col];
    if (!pivotRow || !current || Math.abs(pivotRow[col] ?? 0) < 1e-10) return undefined;
    m[pivot] = current;
    m[col] = pivotRow;
    for (let r = 0; r < n; r++) {
      const row = m[r];
      if (r === col || !row) continue;
      const factor = (row[col] ?? 0) / (pivotRow[col] ?? 1);
      if (factor === 0) continue;
      for (let c = col; c <= n; c++) row[c] = (row[c] ?? 0) - factor * (pivotRow[c] ?? 0);
    }
  }
  return m.map((row, i) => (row[n] ?? 0) / (row[i] ?? 1));
}
