// When each frame is taken and how far into its move the subject is: an opening frontal phase, then per
// step a reaction delay, a smooth turn to the target, a hold and a return to frontal.
import type { Random } from './random.js';

export interface TimelineFrame {
  /** Milliseconds since capture start, as the client stamps it. */
  t: number;
  /** -1 during the opening frontal phase, else the index of the step being asked for. */
  step: number;
  /** How far toward the step's target the head is, 0 (frontal) .. 1 (target), eased. */
  amount: number;
}

interface StepPhases {
  react: number;
  rise: number;
  hold: number;
  fall: number;
  rest: number;
}

/** Smooth 0→1 with zero slope at both ends (smootherstep). */
function ease(x: number): number {
  const c = Math.min(1, Math.max(0, x));
  return c * c * c * (c * (c * 6 - 15) + 10);
}

export interface TimelineOptions {
  stepCount: number;
  fps: number;
  /** Seconds of the opening frontal phase. */
  opening?: number;
}

export function buildTimeline(options: TimelineOptions, random: Random): TimelineFrame[] {
  const opening = options.opening ?? random.range(0.8, 1.2);
  const phases: StepPhases[] = Array.from({ length: options.stepCount }, () => ({
    react: random.range(0.15, 0.35),
    rise: random.range(0.5, 0.8),
    hold: random.range(0.4, 0.7),
    fall: random.range(0.45, 0.7),
    rest: random.range(0.1, 0.25),
  }));
  const total = opening + phases.reduce((sum, p) => sum + p.react + p.rise + p.hold + p.fall + p.rest, 0);
  const interval = 1000 / options.fps;
  const frames: TimelineFrame[] = [];
  let last = -1;
  for (let i = 0; ; i++) {
    // Capture clients stamp frames with a few milliseconds of scheduling jitter.
    const jitter = random.range(-0.08, 0.08) * interval;
    const t = i === 0 ? 0 : Math.max(last + 1, Math.round(i * interval + jitter));
    if (t / 1000 > total) break;
    last = t;
    frames.push({ t, ...stateAt(t / 1000, opening, phases) });
  }
  return frames;
}

function stateAt(seconds: number, opening: number, phases: readonly StepPhases[]): { step: number; amount: number } {
  if (seconds < opening) return { step: -1, amount: 0 };
  let start = opening;
  for (let step = 0; step < phases.length; step++) {
    const p = phases[step];
    if (!p) break;
    const local = seconds - start;
    const length = p.react + p.rise + p.hold + p.fall + p.rest;
    if (local < length || step === phases.length - 1) {
      if (local < p.react) return { step, amount: 0 };
      if (local < p.react + p.rise) return { step, amount: ease((local - p.react) / p.rise) };
      if (local < p.react + p.rise + p.hold) return { step, amount: 1 };
      if (local < p.react + p.rise + p.hold + p.fall) return { step, amount: 1 - ease((local - p.react - p.rise - p.hold) / p.fall) };
      return { step, amount: 0 };
    }
    start += length;
  }
  return { step: phases.length - 1, amount: 0 };
}
