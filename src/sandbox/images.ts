// Small generated JPEGs standing in for camera frames in sandbox results: a drawn head at the result's
// bounding box, turned a little per frame, with a striped corner marking it as a test image. Real
// JPEGs of a real size, so clients exercise their decoding and storage; never a person.
import sharp from 'sharp';
import type { BoundingBox } from '../engine/types.js';

const WIDTH = 320;
const HEIGHT = 240;

/** `turn` in [-1, 1] shifts the features as a head turning left or right would. */
export async function sandboxFrame(box: BoundingBox, turn: number): Promise<Buffer> {
  const x = box.left * WIDTH;
  const y = box.top * HEIGHT;
  const w = box.width * WIDTH;
  const h = box.height * HEIGHT;
  const cx = x + w / 2 + turn * w * 0.12;
  const eyeY = y + h * 0.42;
  const eyeDx = w * 0.18;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">
<rect width="${WIDTH}" height="${HEIGHT}" fill="#5d6f86"/>
<rect y="${HEIGHT * 0.7}" width="${WIDTH}" height="${HEIGHT * 0.3}" fill="#46566b"/>
<ellipse cx="${x + w / 2}" cy="${y + h / 2}" rx="${w / 2}" ry="${h / 2}" fill="#d9a982"/>
<circle cx="${cx - eyeDx}" cy="${eyeY}" r="${w * 0.05}" fill="#2d2d2d"/>
<circle cx="${cx + eyeDx}" cy="${eyeY}" r="${w * 0.05}" fill="#2d2d2d"/>
<path d="M ${cx - w * 0.05} ${y + h * 0.5} L ${cx} ${y + h * 0.62} L ${cx + w * 0.05} ${y + h * 0.62}" stroke="#a8785a" stroke-width="2" fill="none"/>
<path d="M ${cx - w * 0.15} ${y + h * 0.76} Q ${cx} ${y + h * 0.84} ${cx + w * 0.15} ${y + h * 0.76}" stroke="#8c4a3c" stroke-width="3" fill="none"/>
<g stroke="#f5c400" stroke-width="6">${[0, 1, 2, 3].map((i) => `<line x1="${i * 16}" y1="0" x2="0" y2="${i * 16}"/>`).join('')}</g>
</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 70 }).toBuffer();
}
