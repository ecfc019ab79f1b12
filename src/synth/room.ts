// A plain, room-like backdrop (wall, a door or window, a shelf, a lamp's glow) for scenes that are not
// the photo's own surroundings: the attacker's room behind a print or a screen, an empty camera view.
import { blurImage, createImage, type RgbImage } from './image.js';
import type { Random } from './random.js';

type Rgb = [number, number, number];

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

const WALLS: readonly Rgb[] = [
  [196, 186, 168],
  [170, 176, 182],
  [204, 198, 190],
  [150, 160, 150],
  [186, 170, 160],
];

export async function roomBackdrop(width: number, height: number, random: Random): Promise<RgbImage> {
  const image = createImage(width, height);
  const wall = random.pick(WALLS);
  const shadow: Rgb = [wall[0] * 0.55, wall[1] * 0.55, wall[2] * 0.6];
  const lamp = { x: random.range(0.1, 0.9) * width, y: random.range(-0.2, 0.2) * height, r: random.range(0.6, 1.1) * width };
  const ceiling = random.range(0.05, 0.18) * height;
  const opening = {
    // A door or window: a rectangle of another tone.
    left: random.range(0.02, 0.65) * width,
    width: random.range(0.18, 0.3) * width,
    top: ceiling + random.range(0.05, 0.15) * height,
    tone: random.next() < 0.5 ? ([235, 238, 242] as Rgb) : ([120, 92, 70] as Rgb),
  };
  const shelfY = random.range(0.35, 0.6) * height;
  const shelf = { left: random.range(0, 0.5) * width, width: random.range(0.25, 0.5) * width };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = Math.hypot(x - lamp.x, y - lamp.y) / lamp.r;
      let color = mix(wall, shadow, Math.min(1, d * 0.7));
      if (y < ceiling) color = mix(color, [235, 235, 230], 0.35);
      if (x > opening.left && x < opening.left + opening.width && y > opening.top) color = mix(color, opening.tone, 0.7);
      if (Math.abs(x - opening.left) < 4 || Math.abs(x - opening.left - opening.width) < 4) {
        if (y > opening.top) color = mix(color, [90, 80, 70], 0.5);
      }
      if (y > shelfY && y < shelfY + 0.02 * height && x > shelf.left && x < shelf.left + shelf.width) {
        color = mix(color, [80, 60, 45], 0.8);
      }
      const o = (y * width + x) * 3;
      image.data[o] = Math.round(color[0]);
      image.data[o + 1] = Math.round(color[1]);
      image.data[o + 2] = Math.round(color[2]);
    }
  }
  // Out of focus, as the room behind a subject at arm's length is.
  return blurImage(image, Math.max(1, width / 200));
}
