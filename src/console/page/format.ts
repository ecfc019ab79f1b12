// How times, numbers and codes read in the console, in the reviewer's language.
import { t } from './i18n.js';

let dateTime: Intl.DateTimeFormat | undefined;

export function formatTime(iso: string | null | undefined): string {
  dateTime ??= new Intl.DateTimeFormat(t.lang, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return iso ? dateTime.format(new Date(iso)) : '—';
}

export function formatNumber(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? '—' : value.toLocaleString(t.lang, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${formatNumber(value * 100, 1)} %`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${formatNumber(ms / 1000, 1)} s`;
}

export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  return `${minutes}:${String(seconds).padStart(2, '0')} min`;
}

export const moveLabel = (move: string) => (t.moves as Record<string, string>)[move] ?? move;
export const statusLabel = (status: string) => (t.statuses as Record<string, string>)[status] ?? status;
export const actionLabel = (action: string) => t.actions[action] ?? action;

/** The catalogue's words for a failure reason, else the server's (English) explanation. */
export function explain(reason: string | null, fallback: string | null): string | null {
  return (reason !== null ? (t.failureReasons as Record<string, string>)[reason] : undefined) ?? fallback;
}

export function outcomeLabel(passed: boolean | null): string {
  if (passed === null) return '—';
  return passed ? t.passed : t.notPassed;
}
