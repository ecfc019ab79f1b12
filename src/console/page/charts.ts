// Charts as inline SVG built with DOM calls (no chart library, nothing inline for the CSP to refuse).
// Each chart has a text alternative; colours come from the stylesheet through class names. Charts are
// drawn for the width they get (CSS pixels), so their text stays readable on a phone.
import { svg } from './dom.js';

export interface Series {
  key: string;
  label: string;
}

/** Stacked columns, one per category (a day), each split into the series. */
export function stackedColumns(categories: string[], series: Series[], values: (category: number, series: string) => number, label: string, width: number): SVGSVGElement {
  const height = width < 500 ? 180 : 220;
  const pad = { left: 36, right: 8, top: 10, bottom: 28 };
  const totals = categories.map((_, i) => series.reduce((sum, s) => sum + values(i, s.key), 0));
  const max = Math.max(1, ...totals);
  const step = (width - pad.left - pad.right) / Math.max(1, categories.length);
  const scale = (v: number) => ((height - pad.top - pad.bottom) * v) / max;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': label });
  for (const tick of [0, Math.ceil(max / 2), max]) {
    const y = height - pad.bottom - scale(tick);
    chart.appendChild(svg('line', { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: 'grid' }));
    chart.appendChild(svg('text', { x: pad.left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, String(tick)));
  }
  categories.forEach((category, i) => {
    let y = height - pad.bottom;
    const x = pad.left + i * step + step * 0.15;
    for (const s of series) {
      const v = values(i, s.key);
      if (v === 0) continue;
      const h = scale(v);
      y -= h;
      chart.appendChild(svg('rect', { x, y, width: step * 0.7, height: h, class: `bar ${s.key}` }, svg('title', {}, `${category}: ${v} ${s.label.toLowerCase()}`)));
    }
    const labels = Math.max(2, Math.floor(width / 48));
    if (categories.length <= labels || i % Math.ceil(categories.length / labels) === 0) {
      chart.appendChild(svg('text', { x: x + step * 0.35, y: height - 10, class: 'axis', 'text-anchor': 'middle' }, category.slice(5)));
    }
  });
  return chart;
}

/** Horizontal bars with their labels and values, for a ranking (failure reasons, percentiles). */
export function horizontalBars(items: Array<{ label: string; value: number; text: string }>, label: string, width: number): SVGSVGElement {
  const rowHeight = 30;
  const labelWidth = Math.min(200, Math.round(width * 0.4));
  const height = Math.max(1, items.length) * rowHeight + 8;
  const max = Math.max(1, ...items.map((i) => i.value));
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': label });
  items.forEach((item, i) => {
    const y = 4 + i * rowHeight;
    const w = ((width - labelWidth - 70) * item.value) / max;
    chart.appendChild(svg('text', { x: labelWidth - 8, y: y + 19, class: 'label', 'text-anchor': 'end' }, item.label));
    chart.appendChild(svg('rect', { x: labelWidth, y: y + 4, width: Math.max(2, w), height: rowHeight - 10, class: 'bar single' }, svg('title', {}, `${item.label}: ${item.text}`)));
    chart.appendChild(svg('text', { x: labelWidth + Math.max(2, w) + 6, y: y + 19, class: 'value' }, item.text));
  });
  return chart;
}
