// The console's languages, chosen on the server from Accept-Language (the same negotiation as the
// capture page) and handed to the page in the HTML shell.
import { negotiateLocale } from '../../../capture/page/i18n/catalogue.js';
import { de } from './de.js';
import { en } from './en.js';
import type { ConsoleMessages } from './messages.js';

export const CONSOLE_CATALOGUE: Record<string, ConsoleMessages> = { en, de };

export function consoleMessages(acceptLanguage: string | undefined): ConsoleMessages {
  return CONSOLE_CATALOGUE[negotiateLocale(acceptLanguage)] ?? en;
}
