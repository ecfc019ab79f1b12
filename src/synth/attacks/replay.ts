// Replay attacks: a genuine session recorded for a DIFFERENT challenge, played back either on a screen in
// front of the camera (bezel, moiré, glare, gamma shift) or injected straight into the stream.
import sharp from 'sharp';
import type { ChallengeMove } from '../../engine/types.js';
import { CHALLENGE_MOVES } from '../../engine/types.js';
import { createImage, decodeImage, type RgbImage } from '../image.js';
import { placeLike, planMotion, renderPerformance } from '../performance.js';
import { Random, SmoothJitter } from '../random.js';
import { drawCard, type FrameRenderer } from '../render.js';
import { roomBackdrop } from '../room.js';
import { randomSensorProfile, WebcamSensor } from '../sensor.js';
import type { SessionContext } from '../context.js';
import { cardBrightness, cardCorners } from './card.js';

/** Moves of the same length as `asked`, each step different from the one asked at that position. */
export function differentMoves(asked: readonly ChallengeMove[], random: Random): ChallengeMove[] {
  return asked.map((move) => random.pick(CHALLENGE_MOVES.filter((other) => other !== move)));
}

export interface ReplayResult {
  performed: ChallengeMove[];
  frames: Buffer[];
}

export async function renderReplayAttack(
  context: SessionContext,
  onScreen: boolean,
  renderer: FrameRenderer,
  sensor: WebcamSensor,
  photoBackdrop: RgbImage,
): Promise<ReplayResult> {
  const { head, timeline, random } = context;
  const performed = differentMoves(context.challenge.steps, random.fork('replayed-challenge'));
  // The recording: a genuine session, filmed earlier by another camera.
  const motion = planMotion(performed, timeline, head, random.fork('replayed-motion'));
  const recorder = new WebcamSensor(
    context.width,
    context.height,
    randomSensorProfile(random.fork('recorder-profile')),
    random.fork('recorder'),
  );
  const recording = await renderPerformance({
    renderer,
    backdrop: photoBackdrop,
    sensor: recorder,
    frameCount: timeline.length,
    cast: (i) => {
      const m = motion[i] ?? motion[0];
      return m ? [{ head, placement: placeLike(head, head, m) }] : [];
    },
  });
  if (!onScreen) {
    // A virtual camera re-encodes the recording: double compression, nothing else.
    const quality = sensor.profile.jpegQuality;
    const frames = await Promise.all(recording.map((jpeg) => sharp(jpeg).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer()));
    return { performed, frames };
  }

  const room = await roomBackdrop(context.width, context.height, random.fork('room'));
  const screen = screenLook(random.fork('screen'), context.width, context.height);
  const layout = random.fork('screen-layout');
  const size = layout.range(0.72, 0.88);
  const depth = head.pivot[2];
  const base = { yaw: layout.range(-6, 6), pitch: layout.range(-5, 5), roll: layout.range(-3, 3) };
  const centre = [layout.range(-0.04, 0.04) * head.sourceWidth, layout.range(-0.03, 0.03) * head.sourceHeight, depth] as const;
  const hand = random.fork('hand');
  const jitter = { yaw: new SmoothJitter(hand.fork('yaw'), 0.6), pitch: new SmoothJitter(hand.fork('pitch'), 0.6), x: new SmoothJitter(hand.fork('x'), 1.5) };
  const frames: Buffer[] = [];
  for (const jpeg of recording) {
    const shown = screen.display(await decodeImage(jpeg));
    const pose = { yaw: base.yaw + jitter.yaw.step(), pitch: base.pitch + jitter.pitch.step(), roll: base.roll };
    const corners = cardCorners({
      centre: [centre[0] + jitter.x.step(), centre[1], centre[2]],
      halfWidth: (shown.width / 2) * size * (head.sourceWidth / context.width),
      halfHeight: (shown.height / 2) * size * (head.sourceWidth / context.width),
      pose,
    });
    // A screen emits its own light: it barely changes with its angle to the room's lamp.
    const brightness = 0.9 + 0.1 * cardBrightness(pose);
    const clean = renderer.render(room, (layer, camera) => drawCard(layer, camera, shown, corners, brightness));
    frames.push(await sensor.encode(sensor.capture(clean)));
  }
  return { performed, frames };
}

interface ScreenLook {
  display(frame: RgbImage): RgbImage;
}

/** How a given screen shows a frame: its gamma and tint, bezel, moiré against the camera's pixel grid, glare. */
function screenLook(random: Random, width: number, height: number): ScreenLook {
  const bezel = Math.round(random.range(0.03, 0.06) * width);
  const gamma = random.range(0.8, 1.2);
  const tint = [random.range(0.92, 0.98), random.range(0.97, 1.01), random.range(1.02, 1.08)];
  const blackLevel = random.range(8, 20);
  const moire = {
    strength: random.range(0.05, 0.1),
    fx: random.range(0.06, 0.12) * (random.next() < 0.5 ? -1 : 1),
    fy: random.range(0.03, 0.09),
    curve: random.range(0.5, 2) / width,
    beat: random.range(0.005, 0.015),
  };
  const glare = { x: random.range(0.2, 0.8) * width, y: random.range(0.1, 0.5) * height, rx: random.range(0.15, 0.3) * width, ry: random.range(0.1, 0.25) * height, level: random.range(35, 70) };
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = blackLevel + (255 - blackLevel) * (v / 255) ** gamma * 0.95;
  // Moiré and glare are fixed on the screen for a steady camera: computed once, applied per frame.
  const modulation = new Float32Array(width * height);
  const glow = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const phase = 2 * Math.PI * (moire.fx * x + moire.fy * y + (moire.curve * ((x - width / 2) ** 2 + (y - height / 2) ** 2)) / 2);
      const envelope = 0.6 + 0.4 * Math.cos(2 * Math.PI * moire.beat * (x + y));
      modulation[y * width + x] = 1 + moire.strength * Math.cos(phase) * envelope;
      glow[y * width + x] = glare.level * Math.exp(-(((x - glare.x) / glare.rx) ** 2) - ((y - glare.y) / glare.ry) ** 2);
    }
  }
  return {
    display(frame: RgbImage): RgbImage {
      const out = createImage(frame.width + 2 * bezel, frame.height + 2 * bezel);
      out.data.fill(14);
      for (let y = 0; y < frame.height; y++) {
        for (let x = 0; x < frame.width; x++) {
          const p = y * frame.width + x;
          const m = modulation[p] ?? 1;
          const g = glow[p] ?? 0;
          const o = ((y + bezel) * out.width + x + bezel) * 3;
          for (let c = 0; c < 3; c++) {
            const v = (lut[frame.data[p * 3 + c] ?? 0] ?? 0) * (tint[c] ?? 1) * m + g;
            out.data[o + c] = v > 255 ? 255 : v < 0 ? 0 : v;
          }
        }
      }
      return out;
    },
  };
}
