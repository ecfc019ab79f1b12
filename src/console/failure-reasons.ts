// Failure reasons in words a support agent can read to the person who was rejected: the English words
// of the console's own catalogue (src/console/page/i18n/en.ts), so the page and the API never differ.
import { en } from './page/i18n/en.js';

/** Only the engine's reasons: below_threshold is the console's name for a low confidence without one. */
const EXPLANATIONS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(en.failureReasons).filter(([reason]) => reason !== 'below_threshold'),
);

export function explainFailure(reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  return EXPLANATIONS[reason] ?? `Not passed (${reason}).`;
}

/** A complete check whose confidence fell below its threshold without a named reason. */
export const BELOW_THRESHOLD = en.belowThreshold;
