// A tenant picks one accent colour; the capture page needs it readable in light and dark mode
// (button text on it, it as text and rings on the card). Rather than refuse a colour, the page gets
// the nearest shade that meets WCAG AA contrast (4.5:1): darker on light cards, lighter on dark.
import { createHash } from 'node:crypto';

export const ACCENT_PATTERN = /^#[0-9a-fA-F]{6}$/;

/** The page's palette colours the accent is shown on and with (src/capture/page/styles.css). */
const LIGHT = { card: '#ffffff', fg: '#ffffff' } as const;
const DARK = { card: '#171b22', fg: '#0b1430' } as const;
const MIN_CONTRAST = 4.5;

type Rgb = readonly [number, number, number];

export interface AccentShades {
  accent: string;
  /** Text and icons on an accent background. */
  fg: string;
  /** A faint tint of the accent for icon discs and spinner tracks. */
  soft: string;
}

export interface AccentPalette {
  light: AccentShades;
  dark: AccentShades;
}

function parse(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function toHex(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`;
}

function mix(a: Rgb, b: Rgb, weightOfB: number): Rgb {
  return [0, 1, 2].map((i) => (a[i] ?? 0) * (1 - weightOfB) + (b[i] ?? 0) * weightOfB) as unknown as Rgb;
}

/** WCAG 2 relative luminance. */
function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as unknown as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(parse(a)), luminance(parse(b))].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Moves the colour toward `toward` in small steps until it contrasts enough with everything it meets. */
function readableShade(chosen: Rgb, scheme: { card: string; fg: string }, toward: Rgb, softWeight: number): AccentShades {
  const card = parse(scheme.card);
  for (let step = 0; step <= 40; step++) {
    const accent = mix(chosen, toward, step / 40);
    const hex = toHex(accent);
    const soft = toHex(mix(card, accent, softWeight));
    if (contrastRatio(hex, scheme.card) >= MIN_CONTRAST && contrastRatio(hex, soft) >= MIN_CONTRAST && contrastRatio(hex, scheme.fg) >= MIN_CONTRAST) {
      return { accent: hex, fg: scheme.fg, soft };
    }
  }
  // Black on white and white on the dark card always pass; only rounding could land here.
  const extreme = toHex(toward);
  return { accent: extreme, fg: scheme.fg, soft: toHex(mix(card, toward, softWeight)) };
}

/** The shades the page uses for `accent` (#rrggbb), each at least 4.5:1 against what it meets. */
export function accentPalette(accent: string): AccentPalette {
  if (!ACCENT_PATTERN.test(accent)) throw new Error(`not a #rrggbb colour: ${accent}`);
  const chosen = parse(accent.toLowerCase());
  return {
    light: readableShade(chosen, LIGHT, [0, 0, 0], 0.12),
    dark: readableShade(chosen, DARK, [255, 255, 255], 0.22),
  };
}

/** The stylesheet that sets the page's accent custom properties for both colour schemes. */
export function accentStylesheet(palette: AccentPalette): string {
  const vars = (s: AccentShades) => `--accent:${s.accent};--accent-fg:${s.fg};--accent-soft:${s.soft}`;
  return `:root{${vars(palette.light)}}\n@media (prefers-color-scheme: dark){:root{${vars(palette.dark)}}}\n`;
}

function stylesheetFor(accent: string): { css: string; digest: string } {
  const css = accentStylesheet(accentPalette(accent));
  return { css, digest: createHash('sha256').update(css).digest('hex').slice(0, 12) };
}

/**
 * The file name of the accent stylesheet: the colour and a digest of the contents, so a page
 * caches it for good and a change in how shades are derived is a new name.
 */
export function accentStylesheetName(accent: string): string {
  return `accent-${accent.slice(1).toLowerCase()}-${stylesheetFor(accent.toLowerCase()).digest}.css`;
}

/** The stylesheet a name from accentStylesheetName stands for, or undefined for any other name. */
export function accentStylesheetByName(name: string): string | undefined {
  const match = /^accent-([0-9a-f]{6})-([0-9a-f]{12})\.css$/.exec(name);
  if (!match) return undefined;
  const { css, digest } = stylesheetFor(`#${match[1]}`);
  return digest === match[2] ? css : undefined;
}
