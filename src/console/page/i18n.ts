// The messages the server chose for this reviewer (data-messages on #app), and a tiny formatter.
import { en } from './i18n/en.js';
import type { ConsoleMessages } from './i18n/messages.js';

export const t: ConsoleMessages = { ...en };

export function useMessages(element: HTMLElement | null): void {
  const text = element?.dataset.messages;
  if (text) Object.assign(t, JSON.parse(text) as ConsoleMessages);
}

/** Fills {name} placeholders. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
