import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES, ruleInputSchema, type Rule } from '../../shared/follow-up.js';
import { builtinRules, ruleMatches, triageSession } from '../../electron/core/triage/index.js';
import { ended, factsFromPayloads, say, session, started } from './facts.js';

const NOW = Date.UTC(2026, 4, 28, 12);
const rule = (kind: Rule['kind'], changes: Partial<Rule> = {}): Rule => ({ ...builtinRules(NOW).find((r) => r.kind === kind)!, ...changes });
const reason = (kind: Rule['kind'], facts: Parameters<typeof ruleMatches>[0], changes: Partial<Rule> = {}) => ruleMatches(facts, rule(kind, changes))?.text ?? null;

describe('builtinRules', () => {
  it('are the five built-in kinds, id = kind, on, valid as the owner would save them', () => {
    const rules = builtinRules(NOW);
    expect(rules.map((r) => r.id)).toEqual([...BUILTIN_RULES]);
    for (const r of rules) {
      expect(r.kind).toBe(r.id);
      expect(r.enabled).toBe(true);
      expect(r.updatedAt).toBe(NOW);
      const { updatedAt: _updatedAt, ...input } = r;
      expect(ruleInputSchema.safeParse(input).success, r.id).toBe(true);
    }
    expect(rules.map((r) => [r.id, r.action.followUp, r.action.priority, r.action.notify])).toEqual([
      ['tool-failed', true, 'high', true],
      ['dropped', true, 'normal', false],
      ['files', true, 'normal', false],
      ['asked-for-person', true, 'high', true],
      ['short-call', true, 'low', false],
    ]);
    expect(rule('short-call').seconds).toBe(10);
  });

  it('hands out fresh copies: editing one seeding does not change the next', () => {
    const first = builtinRules(NOW);
    first.find((r) => r.kind === 'asked-for-person')!.phrases!.push('zeppelin');
    first[0]!.action.tags.push('changed');
    const second = builtinRules(NOW);
    expect(second.find((r) => r.kind === 'asked-for-person')!.phrases).not.toContain('zeppelin');
    expect(second[0]!.action.tags).toEqual([]);
  });
});

describe('tool-failed', () => {
  it('names the tool and its error', () => {
    const facts = session({ sessionMode: 'voice' }, [
      say.caller('Can I book a cleaning on Tuesday?'),
      say.tool('check_availability', { date: '2026-06-02' }, { result: { slots: ['15:30'] } }),
      say.tool('book_appointment', { slot: '2026-06-02T15:30' }, { error: 'upstream timeout' }),
    ]);
    expect(reason('tool-failed', facts)).toBe('book_appointment failed: upstream timeout');
  });

  it('counts the others after the first failure', () => {
    const facts = session({}, [
      say.tool('book_appointment', {}, { error: 'upstream timeout' }),
      say.tool('send_sms', {}, { error: 'carrier rejected' }),
      say.tool('book_appointment', {}, { error: 'slot taken' }),
    ]);
    expect(reason('tool-failed', facts)).toBe('book_appointment failed: upstream timeout (and 2 more)');
  });

  it('does not match successful tool calls, and says "A tool" when the call has no name', () => {
    expect(reason('tool-failed', session({}, [say.tool('book_appointment', {}, { result: { ok: true } })]))).toBeNull();
    const unnamed = session({}, [{ role: 'tool', content: 'failed', toolCall: { arguments: {}, error: 'boom' } }]);
    expect(reason('tool-failed', unnamed)).toBe('A tool failed: boom');
  });
});

describe('dropped', () => {
  it('matches a stale session (started, never ended) and nothing else', () => {
    const facts = factsFromPayloads(started({ sessionMode: 'voice' }), null, { stale: true });
    expect(facts.status).toBe('active');
    expect(reason('dropped', facts)).toBe('Dropped: the call started and never ended');
    expect(reason('dropped', factsFromPayloads(started({ sessionMode: 'voice' }), null, { stale: false }))).toBeNull();
    expect(reason('dropped', session({}, [say.caller('hi')]))).toBeNull();
  });
});

describe('files', () => {
  it("counts the files on the caller's messages", () => {
    const facts = session({}, [say.files('Here is my invoice', ['invoice.pdf']), say.assistant('Thanks'), say.files('And a photo', ['photo.jpg'])]);
    expect(facts.fileCount).toBe(2);
    expect(reason('files', facts)).toBe('Sent 2 files');
    expect(reason('files', session({}, [say.files('Here', ['card.jpg'])]))).toBe('Sent 1 file');
  });

  it('ignores files the assistant sent', () => {
    const facts = session({}, [{ role: 'assistant', content: 'Our menu', files: [{ gcsUri: 'gs://b/menu.pdf', filename: 'menu.pdf' }] }]);
    expect(facts.fileCount).toBe(1);
    expect(reason('files', facts)).toBeNull();
  });
});

describe('asked-for-person', () => {
  const asked = (...lines: string[]) => reason('asked-for-person', session({}, lines.map((line) => say.caller(line))));

  it('quotes the caller in context, short', () => {
    const text = asked('Hello. Yes, so basically, can I speak to a real person about my bill from last month, it is wrong twice now?');
    expect(text).toMatch(/^Asked for a person: "….*real person.*…"$/);
    expect(text!.length).toBeLessThanOrEqual(92);
    expect(asked('Could you call me back?')).toBe('Asked for a person: "Could you call me back?"');
  });

  it.each([
    ['English, upper case', 'I WANT TO TALK TO A HUMAN NOW'],
    ['English, callback', 'Please arrange a callback tomorrow'],
    ['English, manager', 'Let me speak with your manager.'],
    ['Spanish, accent', '¿Puedo hablar con una persona, por favor?'],
    ['Spanish, accent left out', 'Llamame mañana por favor'],
    ['Spanish, devolver', 'Necesito que me puedan devolver la llamada'],
    ['French, apostrophe typed as ’', 'Je voudrais parler à quelqu’un de l’équipe'],
    ['French, hyphen left out', 'Rappelez moi demain matin'],
    ['French, apostrophe typed as a backtick', 'Je veux parler a quelqu`un'],
    ['English, an emoji right after', 'call me back🙏 thanks'],
    ['English, across a line break', 'Can I speak to a\nreal person'],
    ['German', 'Ich möchte mit einem Menschen sprechen.'],
    ['German, Rückruf without umlaut', 'Bitte einen RUCKRUF, danke'],
    ['German, rufen Sie mich zurück', 'Können Sie mich... rufen Sie mich zurück?'],
    ['Dutch', 'Kunt u mij terugbellen vanmiddag?'],
    ['Portuguese', 'Posso falar com uma pessoa?'],
    ['Portuguese, callback', 'Por favor, me ligue de volta amanhã'],
    ['Italian', 'Vorrei parlare con una persona'],
    ['Italian, richiamare', 'Potete richiamare più tardi?'],
  ])('%s', (_language, line) => {
    expect(asked(line)).toMatch(/^Asked for a person: ".+"$/);
  });

  it('matches whole words and phrases only', () => {
    expect(asked('I work in management consulting')).toBeNull();
    expect(asked('The callbacks in my code fail')).toBeNull();
    expect(asked('It was a realistic personal thing')).toBeNull();
    expect(asked('My manager said to call')).not.toBeNull();
  });

  it("reads the caller's words only", () => {
    const facts = session({}, [
      say.system('If they ask to speak to a person, offer a callback.'),
      say.assistant('Would you like a manager to call you back?'),
      say.caller('No thanks, that is all.'),
    ]);
    expect(reason('asked-for-person', facts)).toBeNull();
  });

  it("uses the owner's phrase list", () => {
    const facts = session({}, [say.caller('Is Dr. Osei available for a quick word?')]);
    expect(reason('asked-for-person', facts)).toBeNull();
    expect(reason('asked-for-person', facts, { phrases: ['Dr. Osei'] })).toBe('Asked for a person: "Is Dr. Osei available for a quick word?"');
  });
});

describe('short-call', () => {
  it('matches voice calls that ended under the threshold', () => {
    expect(reason('short-call', session({ sessionMode: 'voice' }, [say.caller('hello?')], { durationSeconds: 6 }))).toBe('Hung up after 6 s');
    expect(reason('short-call', session({ sessionMode: 'voice' }, [], { durationSeconds: 10 }))).toBeNull();
    expect(reason('short-call', session({ sessionMode: 'text' }, [], { durationSeconds: 2 }))).toBeNull();
    expect(reason('short-call', session({ sessionMode: 'voice' }, [], { durationSeconds: null }))).toBeNull();
    expect(reason('short-call', factsFromPayloads(started({ sessionMode: 'voice' }), null))).toBeNull();
  });

  it('uses the rule’s seconds', () => {
    const facts = session({ sessionMode: 'voice' }, [], { durationSeconds: 25.26 });
    expect(reason('short-call', facts)).toBeNull();
    expect(reason('short-call', facts, { seconds: 30 })).toBe('Hung up after 25.3 s');
  });
});

describe('built-in rules with conditions added by the owner', () => {
  it('match only where the conditions hold too', () => {
    const facts = factsFromPayloads(started({ sessionMode: 'voice' }, { assistantId: 205 }), ended([say.tool('book', {}, { error: 'x' })], {}, { assistantId: 205 }));
    expect(reason('tool-failed', facts, { conditions: [{ field: 'assistant', values: ['205'] }] })).toBe('book failed: x');
    expect(reason('tool-failed', facts, { conditions: [{ field: 'assistant', values: ['101'] }] })).toBeNull();
  });
});

describe('on a simulated archive', () => {
  it('the demo data gives every kind of follow-up the simulator makes: failed tools, files, callers asking for a person', async () => {
    const { simulateSessions } = await import('../../electron/core/simulator.js');
    const counts = new Map<string, number>();
    for (const pair of simulateSessions(200, { seed: 3, now: NOW, longEvery: 0 })) {
      const outcome = triageSession(factsFromPayloads(pair.started, pair.ended), builtinRules(NOW));
      for (const match of outcome.matches) counts.set(match.ruleId, (counts.get(match.ruleId) ?? 0) + 1);
    }
    for (const kind of ['tool-failed', 'files', 'asked-for-person']) expect(counts.get(kind) ?? 0, kind).toBeGreaterThan(0);
  });
});
