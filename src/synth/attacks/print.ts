// Print attacks: the face photo printed on paper and held up to the camera, still or tilted like a card
// toward the asked directions (its outline then changes by a homography, never like a head).
import type { RgbImage } from '../image.js';
import { createImage } from '../image.js';
import { planMotion } from '../performance.js';
import { SmoothJitter } from '../random.js';
import { drawCard, type FrameRenderer } from '../render.js';
import { roomBackdrop } from '../room.js';
import type { WebcamSensor } from '../sensor.js';
import type { SessionContext } from '../context.js';
import { cardBrightness, cardCorners } from './card.js';

/** The photo as a print: lower contrast and saturation, lifted blacks, a paper tint and a white margin. */
export function printedPhoto(photo: RgbImage, margin: number): RgbImage {
  const border = Math.round(margin * photo.width);
  const out = createImage(photo.width + 2 * border, photo.height + 2 * border);
  const paper = [238, 234, 222];
  for (let i = 0; i < out.width * out.height; i++) {
    out.data[i * 3] = paper[0] ?? 0;
    out.data[i * 3 + 1] = paper[1] ?? 0;
    out.data[i * 3 + 2] = paper[2] ?? 0;
  }
  for (let y = 0; y < photo.height; y++) {
    for (let x = 0; x < photo.width; x++) {
      const s = (y * photo.width + x) * 3;
      const o = ((y + border) * out.width + x + border) * 3;
      const r = photo.data[s] ?? 0;
      const g = photo.data[s + 1] ?? 0;
      const b = photo.data[s + 2] ?? 0;
      const grey = 0.299 * r + 0.587 * g + 0.114 * b;
      const ink = (v: number, tint: number) => 22 + 0.8 * (grey + 0.82 * (v - grey)) * tint;
      out.data[o] = Math.min(255, ink(r, 1.02));
      out.data[o + 1] = Math.min(255, ink(g, 1));
      out.data[o + 2] = Math.min(255, ink(b, 0.94));
    }
  }
  return out;
}

export async function renderPrintAttack(
  context: SessionContext,
  tilted: boolean,
  renderer: FrameRenderer,
  sensor: WebcamSensor,
): Promise<Buffer[]> {
  const { face, head, timeline, random } = context;
  const room = await roomBackdrop(context.width, context.height, random.fork('room'));
  const margin = 0.05;
  const print = printedPhoto(face.image, margin);
  const layout = random.fork('print-layout');
  // Held up close: the print fills most of the view, with its paper edge and the room around it.
  const size = layout.range(0.65, 0.85);
  const depth = head.pivot[2];
  const halfWidth = (print.width / 2) * size;
  const halfHeight = (print.height / 2) * size;
  const centre = [layout.range(-0.04, 0.04) * face.image.width, layout.range(-0.03, 0.05) * face.image.height, depth] as const;
  const hand = random.fork('hand');
  const jitter = {
    yaw: new SmoothJitter(hand.fork('yaw'), 1.5),
    pitch: new SmoothJitter(hand.fork('pitch'), 1.5),
    roll: new SmoothJitter(hand.fork('roll'), 1),
    x: new SmoothJitter(hand.fork('x'), 3),
    y: new SmoothJitter(hand.fork('y'), 3),
  };
  const motion = tilted ? planMotion(context.challenge.steps, timeline, { faceWidth: head.faceWidth }, random.fork('motion')) : undefined;
  const frames: Array<Promise<Buffer>> = [];
  for (let i = 0; i < timeline.length; i++) {
    const tilt = motion?.[i]?.pose ?? { yaw: 0, pitch: 0, roll: 0 };
    const pose = { yaw: tilt.yaw + jitter.yaw.step(), pitch: tilt.pitch + jitter.pitch.step(), roll: tilt.roll + jitter.roll.step() };
    const corners = cardCorners({
      centre: [centre[0] + jitter.x.step(), centre[1] + jitter.y.step(), centre[2]],
      halfWidth,
      halfHeight,
      pose,
    });
    const clean = renderer.render(room, (layer, camera) => drawCard(layer, camera, print, corners, cardBrightness(pose)));
    frames.push(sensor.encode(sensor.capture(clean)));
  }
  return Promise.all(frames);
}
