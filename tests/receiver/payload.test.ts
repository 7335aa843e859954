import { describe, expect, it } from 'vitest';
import { checkPayload } from '../../shared/payload.js';
import { sessionPair } from '../support/fixtures.js';

describe('payload schema', () => {
  it('accepts the examples from the CallAIder spec', () => {
    const started = {
      event: 'session.started',
      timestamp: '2026-05-28T12:34:56.789Z',
      assistantId: 123,
      sessionId: '2d7b8f7f-2de0-4db9-ae6f-9a1f8d98f6d2',
      data: { metadata: { userAgent: 'Mozilla/5.0 ...', sessionMode: 'voice', callId: 'optional' } },
    };
    const ended = {
      event: 'session.ended',
      timestamp: '2026-05-28T12:35:23.789Z',
      assistantId: 123,
      sessionId: '2d7b8f7f-2de0-4db9-ae6f-9a1f8d98f6d2',
      data: {
        reason: 'assistant_ended',
        durationSeconds: 27,
        transcript: [
          { role: 'assistant', content: 'Hello, how can I help you?', timestamp: 1779954672417 },
          { role: 'user', content: 'Hi. How are you?', timestamp: 1779954679847 },
          {
            role: 'tool',
            content: 'text',
            timestamp: 1716900000000,
            toolCall: { name: 'optional', arguments: {}, result: {}, error: 'optional' },
            files: [{ gcsUri: 'gs://bucket/doc.pdf', mimeType: 'application/pdf', filename: 'document.pdf' }],
          },
        ],
      },
    };
    expect(checkPayload(started).kind).toBe('known');
    expect(checkPayload(ended).kind).toBe('known');
  });

  it('keeps fields it does not know, at every level', () => {
    const { ended } = sessionPair();
    const value = structuredClone(ended) as unknown as Record<string, unknown> & { data: Record<string, unknown> & { transcript: Array<Record<string, unknown>> } };
    value.region = 'eu-west';
    value.data.sentiment = 'positive';
    value.data.transcript[0]!.confidence = 0.93;
    const checked = checkPayload(value);
    expect(checked.kind).toBe('known');
    if (checked.kind !== 'known') return;
    expect(checked.payload).toMatchObject({ region: 'eu-west', data: { sentiment: 'positive' } });
    expect((checked.payload.data as { transcript: Array<Record<string, unknown>> }).transcript[0]!.confidence).toBe(0.93);
  });

  it('classifies an unknown event type as unknown, not invalid', () => {
    expect(checkPayload({ event: 'session.paused', sessionId: 'x' })).toEqual({ kind: 'unknown', event: 'session.paused', sessionId: 'x' });
  });

  it.each([
    ['a non-object', 'hello', '(payload)'],
    ['no event', { sessionId: 'x' }, 'event'],
    ['an empty sessionId', { ...sessionPair().started, sessionId: '' }, 'sessionId'],
    ['a timestamp that is not ISO', { ...sessionPair().started, timestamp: 'yesterday' }, 'timestamp'],
    ['an unknown role', (() => { const p = structuredClone(sessionPair().ended); (p.data.transcript![1] as { role: string }).role = 'robot'; return p; })(), 'data.transcript[1].role'],
    ['a message without a timestamp', (() => { const p = structuredClone(sessionPair().ended); delete (p.data.transcript![0] as { timestamp?: number }).timestamp; return p; })(), 'data.transcript[0].timestamp'],
    ['a file without gcsUri', (() => { const p = structuredClone(sessionPair().ended); p.data.transcript![0]!.files = [{ filename: 'x' } as never]; return p; })(), 'data.transcript[0].files[0].gcsUri'],
  ])('rejects %s with a reason that names the field', (_name, value, field) => {
    const checked = checkPayload(value);
    expect(checked.kind).toBe('invalid');
    if (checked.kind === 'invalid') expect(checked.reason).toContain(field);
  });
});
