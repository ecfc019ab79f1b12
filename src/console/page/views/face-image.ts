// An image with the face box drawn over it: an SVG in the image's own unit square, so the box sits
// at exactly the fractions the API returns, whatever size the image is shown at.
import { h, svg } from '../dom.js';
import { fill, t } from '../i18n.js';

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function faceImage(src: string, box: Box, label: string, caption: Array<Node | string>): HTMLElement {
  const rect = svg('rect', { x: box.left, y: box.top, width: box.width, height: box.height, class: 'face-box', 'vector-effect': 'non-scaling-stroke' });
  const overlay = svg('svg', { viewBox: '0 0 1 1', preserveAspectRatio: 'none', class: 'box-overlay', 'aria-hidden': 'true', focusable: 'false' }, rect);
  const percent = (n: number) => `${Math.round(n * 100)} %`;
  return h(
    'figure',
    { class: 'shot' },
    h('div', { class: 'frame' }, h('img', { attrs: { src, alt: fill(t.boxAlt, { label, left: percent(box.left), top: percent(box.top) }) } }), overlay),
    h('figcaption', {}, ...caption),
  );
}
