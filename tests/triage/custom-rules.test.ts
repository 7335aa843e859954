import { describe, expect, it } from 'vitest';
import { ruleInputSchema, type Rule, type RuleAction, type RuleCondition } from '../../shared/follow-up.js';
import { builtinRules, ruleMatches, triageSession, type SessionFacts } from '../../electron/core/triage/index.js';
import { ended, factsFromPayloads, say, session, started } from './facts.js';

const NOW = Date.UTC(2026, 4, 28, 12);
let nextId = 0;

/** A custom rule, checked against the schema the window's form uses (so no test uses a rule the owner could not save). */
function custom(conditions: RuleCondition[], changes: { name?: string; action?: Partial<RuleAction>; enabled?: boolean } = {}): Rule {
  nextId += 1;
  const input = ruleInputSchema.parse({
    name: changes.name ?? `Rule ${nextId}`,
    enabled: changes.enabled ?? true,
    kind: 'custom',
    conditions,
    action: { followUp: true, priority: 'normal', tags: [], notify: false, ...changes.action },
  });
  return { ...input, id: `custom-${nextId}`, updatedAt: NOW };
}

const matches = (facts: SessionFacts, ...conditions: RuleCondition[]) => ruleMatches(facts, custom(conditions)) !== null;

const booking = session(
  { sessionMode: 'voice', source: 'telephony', from: '+12025550100', customer: { tier: 'Gold', phone: '+1 202 555 0100', tags: ['vip', 'new'] }, empty: '  ', none: null },
  [
    say.system('You are the assistant of Bright Smile Dental.'),
    say.assistant('Hello, Bright Smile Dental. How can I help?'),
    say.caller('I need to cancel my appointment, the management changed my shifts.'),
    say.tool('find_booking', { name: 'José' }, { result: { id: 'B-1' } }),
    say.tool('Cancel_Booking', { id: 'B-1' }, { error: 'booking is locked' }),
    say.assistant('I am sorry, I could not cancel it. Someone will call you back.'),
  ],
  { reason: 'user_ended', durationSeconds: 42 },
);

describe('custom rule conditions', () => {
  it('endReason is / isNot: ended sessions; isNot also matches a session with no reason', () => {
    expect(matches(booking, { field: 'endReason', op: 'is', values: ['timeout', 'USER_ENDED'] })).toBe(true);
    expect(matches(booking, { field: 'endReason', op: 'is', values: ['timeout'] })).toBe(false);
    expect(matches(booking, { field: 'endReason', op: 'isNot', values: ['timeout'] })).toBe(true);
    expect(matches(booking, { field: 'endReason', op: 'isNot', values: ['user_ended'] })).toBe(false);
    const noReason = factsFromPayloads(started({}), { ...ended([]), data: { durationSeconds: 3, transcript: [] } });
    expect(noReason.reason).toBeNull();
    expect(matches(noReason, { field: 'endReason', op: 'isNot', values: ['timeout'] })).toBe(true);
    expect(matches(noReason, { field: 'endReason', op: 'is', values: ['timeout'] })).toBe(false);
    const active = factsFromPayloads(started({}), null);
    expect(matches(active, { field: 'endReason', op: 'isNot', values: ['timeout'] })).toBe(false);
  });

  it('mode', () => {
    expect(matches(booking, { field: 'mode', value: 'voice' })).toBe(true);
    expect(matches(booking, { field: 'mode', value: 'text' })).toBe(false);
    expect(matches(session({}, []), { field: 'mode', value: 'voice' })).toBe(false);
  });

  it('duration lt / gt: ended sessions with a duration', () => {
    expect(matches(booking, { field: 'duration', op: 'gt', seconds: 30 })).toBe(true);
    expect(matches(booking, { field: 'duration', op: 'lt', seconds: 30 })).toBe(false);
    expect(matches(booking, { field: 'duration', op: 'lt', seconds: 42 })).toBe(false);
    expect(matches(booking, { field: 'duration', op: 'lt', seconds: 43 })).toBe(true);
    expect(matches(session({}, [], { durationSeconds: null }), { field: 'duration', op: 'lt', seconds: 1000 })).toBe(false);
    expect(matches(factsFromPayloads(started({}), null), { field: 'duration', op: 'lt', seconds: 1000 })).toBe(false);
  });

  it('assistant: compared as text, whether CallAIder sent a number or a string', () => {
    const numeric = factsFromPayloads(started({}, { assistantId: 205 }), ended([], {}, { assistantId: 205 }));
    const text = factsFromPayloads(started({}, { assistantId: 'asst-9' }), ended([], {}, { assistantId: 'asst-9' }));
    expect(matches(numeric, { field: 'assistant', values: ['101', '205'] })).toBe(true);
    expect(matches(numeric, { field: 'assistant', values: ['2050'] })).toBe(false);
    expect(matches(text, { field: 'assistant', values: ['asst-9'] })).toBe(true);
  });

  it('metadata equals / contains / exists, with dot paths and keys in any case', () => {
    expect(matches(booking, { field: 'metadata', key: 'customer.tier', op: 'equals', value: 'gold' })).toBe(true);
    expect(matches(booking, { field: 'metadata', key: 'Customer.TIER', op: 'equals', value: ' GOLD ' })).toBe(true);
    expect(matches(booking, { field: 'metadata', key: 'customer.tier', op: 'equals', value: 'gol' })).toBe(false);
    expect(matches(booking, { field: 'metadata', key: 'source', op: 'contains', value: 'TELE' })).toBe(true);
    expect(matches(booking, { field: 'metadata', key: 'customer.tags', op: 'contains', value: 'vip' })).toBe(true);
    expect(matches(booking, { field: 'metadata', key: 'customer.tags.1', op: 'equals', value: 'new' })).toBe(true);
    expect(matches(booking, { field: 'metadata', key: 'source', op: 'contains', value: 'widget' })).toBe(false);
    expect(matches(booking, { field: 'metadata', key: 'customer.phone', op: 'exists' })).toBe(true);
    expect(matches(booking, { field: 'metadata', key: 'customer', op: 'exists' })).toBe(true);
    expect(matches(booking, { field: 'metadata', key: 'empty', op: 'exists' })).toBe(false);
    expect(matches(booking, { field: 'metadata', key: 'none', op: 'exists' })).toBe(false);
    expect(matches(booking, { field: 'metadata', key: 'customer.email', op: 'exists' })).toBe(false);
    expect(matches(booking, { field: 'metadata', key: 'customer', op: 'equals', value: 'gold' })).toBe(false); // an object is not a scalar
  });

  it('metadata: a key that itself contains dots is found', () => {
    const facts = session({ 'x.caller.id': 'abc' }, []);
    expect(matches(facts, { field: 'metadata', key: 'x.caller.id', op: 'equals', value: 'ABC' })).toBe(true);
  });

  it('tool called / failed, names compared without case, empty names = any tool', () => {
    expect(matches(booking, { field: 'tool', op: 'called', names: ['FIND_BOOKING'] })).toBe(true);
    expect(matches(booking, { field: 'tool', op: 'called', names: ['send_sms'] })).toBe(false);
    expect(matches(booking, { field: 'tool', op: 'called', names: [] })).toBe(true);
    expect(matches(booking, { field: 'tool', op: 'failed', names: ['cancel_booking'] })).toBe(true);
    expect(matches(booking, { field: 'tool', op: 'failed', names: ['find_booking'] })).toBe(false);
    expect(matches(booking, { field: 'tool', op: 'failed', names: [] })).toBe(true);
    const noTools = session({}, [say.caller('hi')]);
    expect(matches(noTools, { field: 'tool', op: 'called', names: [] })).toBe(false);
    expect(matches(noTools, { field: 'tool', op: 'failed', names: [] })).toBe(false);
  });

  it("words: anyone's or the caller's only, whole words, case and accents ignored", () => {
    expect(matches(booking, { field: 'words', who: 'caller', words: ['CANCEL'] })).toBe(true);
    expect(matches(booking, { field: 'words', who: 'caller', words: ['call you back'] })).toBe(false); // the assistant said it
    expect(matches(booking, { field: 'words', who: 'anyone', words: ['call you back'] })).toBe(true);
    expect(matches(booking, { field: 'words', who: 'anyone', words: ['manage'] })).toBe(false); // "management" is another word
    expect(matches(booking, { field: 'words', who: 'anyone', words: ['Bright Smile'] })).toBe(true);
    expect(matches(booking, { field: 'words', who: 'anyone', words: ['you are the assistant'] })).toBe(false); // the system prompt is nobody's words
    expect(matches(session({}, [say.caller('Mi cita es el sábado')]), { field: 'words', who: 'caller', words: ['SABADO'] })).toBe(true);
    expect(matches(session({}, [say.caller('Mi cita es el sabado')]), { field: 'words', who: 'caller', words: ['sábado'] })).toBe(true);
    expect(matches(session({}, [say.caller('Стоимость прочистки?')]), { field: 'words', who: 'caller', words: ['стоимость'] })).toBe(true);
    expect(matches(session({}, [say.caller('price: $20 (approx.)')]), { field: 'words', who: 'caller', words: ['(approx.)', '$20'] })).toBe(true);
  });

  it('every condition must hold', () => {
    const voiceFailure: RuleCondition[] = [
      { field: 'mode', value: 'voice' },
      { field: 'tool', op: 'failed', names: [] },
    ];
    expect(matches(booking, ...voiceFailure)).toBe(true);
    expect(matches(booking, ...voiceFailure, { field: 'duration', op: 'lt', seconds: 10 })).toBe(false);
  });
});

describe('a custom rule’s reason', () => {
  it("is the rule's name with the most telling detail", () => {
    const rule = custom(
      [
        { field: 'mode', value: 'voice' },
        { field: 'endReason', op: 'is', values: ['user_ended'] },
        { field: 'tool', op: 'failed', names: ['cancel_booking'] },
      ],
      { name: 'Cancellation failed' },
    );
    expect(ruleMatches(booking, rule)).toEqual({ text: 'Cancellation failed: Cancel_Booking failed: booking is locked' });
  });

  it('quotes the words that matched', () => {
    const rule = custom([{ field: 'words', who: 'caller', words: ['cancel'] }], { name: 'Cancellation' });
    expect(ruleMatches(booking, rule)?.text).toMatch(/^Cancellation: "I need to cancel my appointment.*"$/);
  });

  it('is the name alone when no condition says more', () => {
    expect(ruleMatches(booking, custom([{ field: 'mode', value: 'voice' }], { name: 'Voice call' }))).toEqual({ text: 'Voice call' });
  });
});

describe('triageSession', () => {
  const quiet = session({ sessionMode: 'text' }, [say.caller('What are your opening hours?'), say.assistant('9 to 5.')], { durationSeconds: 40 });
  const busy = session(
    { sessionMode: 'voice' },
    [
      say.caller('Hi, can you call me back? My crown came loose.'),
      say.files('Here is the x-ray', ['x-ray.pdf']),
      say.tool('book_appointment', {}, { error: 'upstream timeout' }),
    ],
    { durationSeconds: 8 },
  );

  it('nothing to follow up when no rule matches', () => {
    expect(triageSession(quiet, builtinRules(NOW))).toEqual({ followUp: null, tags: [], notify: false, matches: [] });
  });

  it('orders reasons by priority, then by rule order; the priority is the highest', () => {
    const outcome = triageSession(busy, builtinRules(NOW));
    expect(outcome.followUp?.priority).toBe('high');
    expect(outcome.followUp?.reasons.map((r) => [r.ruleId, r.priority])).toEqual([
      ['tool-failed', 'high'],
      ['asked-for-person', 'high'],
      ['files', 'normal'],
      ['short-call', 'low'],
    ]);
    expect(outcome.followUp?.reasons[0]?.text).toBe('book_appointment failed: upstream timeout');
    expect(outcome.notify).toBe(true);
    expect(outcome.matches.map((m) => m.ruleId)).toEqual(['tool-failed', 'files', 'asked-for-person', 'short-call']);
  });

  it('ignores disabled rules', () => {
    const rules = builtinRules(NOW).map((rule) => (rule.kind === 'short-call' ? rule : { ...rule, enabled: false }));
    const outcome = triageSession(busy, rules);
    expect(outcome.followUp).toEqual({ priority: 'low', reasons: [{ ruleId: 'short-call', text: 'Hung up after 8 s', priority: 'low' }] });
    expect(outcome.notify).toBe(false);
    expect(outcome.matches).toEqual([{ ruleId: 'short-call', text: 'Hung up after 8 s' }]);
  });

  it('unions tags without case duplicates (first spelling kept); a matching rule may only tag or only notify', () => {
    const tagOnly = custom([{ field: 'mode', value: 'voice' }], { name: 'Voice', action: { followUp: false, tags: ['Phone', 'VIP'] } });
    const notifyOnly = custom([{ field: 'tool', op: 'called', names: [] }], { name: 'Tools', action: { followUp: false, notify: true, tags: ['vip', 'tools'] } });
    const neverMatches = custom([{ field: 'mode', value: 'text' }], { action: { tags: ['text'], notify: true } });
    const outcome = triageSession(busy, [tagOnly, notifyOnly, neverMatches]);
    expect(outcome.followUp).toBeNull();
    expect(outcome.tags).toEqual(['Phone', 'VIP', 'tools']);
    expect(outcome.notify).toBe(true);
    expect(outcome.matches.map((m) => m.text)).toEqual(['Voice', 'Tools: called book_appointment']);
  });

  it('a custom high rule after built-in ones sorts among the high reasons by rule order', () => {
    const urgent = custom([{ field: 'words', who: 'caller', words: ['crown'] }], { name: 'Dental emergency', action: { priority: 'high' } });
    const outcome = triageSession(busy, [...builtinRules(NOW), urgent]);
    expect(outcome.followUp?.reasons.map((r) => r.ruleId)).toEqual(['tool-failed', 'asked-for-person', urgent.id, 'files', 'short-call']);
    expect(outcome.followUp?.reasons[2]?.text).toMatch(/^Dental emergency: ".*crown came loose\."$/);
  });
});
