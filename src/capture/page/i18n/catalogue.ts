// Picks the page's language from the Accept-Language header (server side).
import { de } from './de.js';
import { en } from './en.js';
import type { Messages } from './messages.js';

export const CATALOGUE = { en, de } as const satisfies Record<string, Messages>;
export type Locale = keyof typeof CATALOGUE;
export const DEFAULT_LOCALE: Locale = 'en';

function isLocale(tag: string): tag is Locale {
  return Object.hasOwn(CATALOGUE, tag);
}

/** The best supported language for an Accept-Language header (RFC 9110 q-values; `de-AT` matches `de`). */
export function negotiateLocale(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return DEFAULT_LOCALE;
  const ranked = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [range = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q === undefined ? 1 : Number(q.slice(2));
      return { range: range.trim().toLowerCase(), quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((r) => r.range !== '' && r.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const { range } of ranked) {
    if (range === '*') return DEFAULT_LOCALE;
    const primary = range.split('-')[0] ?? '';
    if (isLocale(primary)) return primary;
  }
  return DEFAULT_LOCALE;
}
