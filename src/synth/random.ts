// Seeded randomness for the session generator: the same seed always yields the same session.

/** A deterministic stream of pseudo-random numbers (mulberry32). */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal deviate (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new RangeError('pick() from an empty list');
    return item;
  }

  /** An independent stream named `label`, so that adding draws in one part leaves the others unchanged. */
  fork(label: string): Random {
    return new Random(hashSeed(this.state, label));
  }
}

/** Mixes a seed with a label into a new 32-bit seed (FNV-1a over the label, then a murmur finaliser). */
export function hashSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** A smooth random walk (Ornstein–Uhlenbeck): wanders around 0 with the given spread, no jumps. */
export class SmoothJitter {
  private value = 0;
  private velocity = 0;

  constructor(
    private readonly random: Random,
    private readonly spread: number,
    /** Fraction of the distance to 0 recovered per step; small values wander slowly. */
    private readonly pull = 0.15,
  ) {}

  step(): number {
    this.velocity = 0.6 * this.velocity + this.random.normal() * this.spread * Math.sqrt(this.pull) * 0.8;
    this.value += this.velocity - this.pull * this.value;
    return this.value;
  }
}
