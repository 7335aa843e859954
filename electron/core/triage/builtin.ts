/**
 * The five rules every archive starts with: on by default, editable (phrases, seconds, action),
 * never deleted. The store seeds them into its rules table when missing.
 */
import { BUILTIN_RULES, type BuiltinRuleKind, type Rule, type RuleAction } from '../../../shared/follow-up.js';

/**
 * What callers say when they want a person or a call back. Matched as whole words and phrases,
 * case and accents ignored, in the caller's words only. Kept specific: a bare "human" or "agent"
 * would match "human resources" or "estate agent".
 */
export const DEFAULT_PERSON_PHRASES: readonly string[] = [
  // English
  'speak to a person', 'speak to someone', 'speak with someone', 'speak with a person', 'speak to a human', 'talk to a human',
  'talk to a person', 'talk to someone', 'real person', 'real human', 'live person', 'live agent', 'a human being', 'call me back',
  'ring me back', 'callback', 'call-back', 'manager', 'receptionist', 'representative', 'operator',
  // Spanish
  'hablar con una persona', 'hablar con alguien', 'hablar con un humano', 'persona real', 'llámame', 'llámeme', 'devolver la llamada',
  'devuélvame la llamada', 'me devuelvan la llamada', 'el encargado', 'el gerente', 'recepcionista',
  // French
  "parler à quelqu'un", 'parler à une personne', 'parler à un humain', 'une vraie personne', 'rappelez-moi', 'me rappeler',
  'rappelle-moi', 'le responsable', 'le gérant', 'réceptionniste',
  // German
  'mit einem Menschen sprechen', 'mit einem Mitarbeiter sprechen', 'mit jemandem sprechen', 'echte Person', 'echten Menschen',
  'Rückruf', 'rufen Sie mich zurück', 'ruf mich zurück', 'zurückrufen',
  // Dutch
  'terugbellen', 'bel me terug', 'bel mij terug', 'met een persoon spreken', 'met iemand spreken', 'met een mens spreken',
  'een echt persoon', 'een medewerker',
  // Portuguese
  'falar com uma pessoa', 'falar com alguém', 'falar com um humano', 'pessoa real', 'me ligue de volta', 'me ligar de volta',
  'retornar a ligação', 'retorne a ligação', 'gerente',
  // Italian
  'parlare con una persona', 'parlare con qualcuno', 'parlare con un operatore', 'persona vera', 'richiamare', 'richiamatemi',
  'mi richiami', 'il responsabile',
];

export const DEFAULT_SHORT_CALL_SECONDS = 10;

const action = (followUp: boolean, priority: RuleAction['priority'], notify: boolean): RuleAction => ({ followUp, priority, tags: [], notify });

const BUILTIN_DEFINITIONS: Record<BuiltinRuleKind, Omit<Rule, 'id' | 'kind' | 'updatedAt'>> = {
  'tool-failed': { name: 'A tool call failed', enabled: true, conditions: [], action: action(true, 'high', true) },
  dropped: { name: 'Dropped call (started, never ended)', enabled: true, conditions: [], action: action(true, 'normal', false) },
  files: { name: 'The caller sent files', enabled: true, conditions: [], action: action(true, 'normal', false) },
  'asked-for-person': {
    name: 'Asked for a person or a callback',
    enabled: true,
    phrases: [...DEFAULT_PERSON_PHRASES],
    conditions: [],
    action: action(true, 'high', true),
  },
  'short-call': { name: 'Hung up quickly', enabled: true, seconds: DEFAULT_SHORT_CALL_SECONDS, conditions: [], action: action(true, 'low', false) },
};

/** The built-in rules as first seeded (id = kind), stamped `now`. */
export function builtinRules(now: number): Rule[] {
  return BUILTIN_RULES.map((kind) => {
    const definition = BUILTIN_DEFINITIONS[kind];
    return {
      ...definition,
      id: kind,
      kind,
      ...(definition.phrases ? { phrases: [...definition.phrases] } : {}),
      conditions: [],
      action: { ...definition.action, tags: [] },
      updatedAt: now,
    };
  });
}
