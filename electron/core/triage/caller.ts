// TEMPORARY (issue 10 in progress): the triage helper replaces this file.
import type { CallerSettings } from '../../../shared/follow-up.js';
import type { IdentifiedCaller, SessionFacts } from './index.js';

export function identifyCaller(_facts: Pick<SessionFacts, 'metadata' | 'messages'>, _settings: CallerSettings, _fallbackCountry: string | null): IdentifiedCaller | null {
  throw new Error('not built yet: identifyCaller');
}
export function defaultCountryFromLocale(_locale?: string): string | null {
  throw new Error('not built yet: defaultCountryFromLocale');
}
