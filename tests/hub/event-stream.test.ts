import { describe, expect, it } from 'vitest';
import { EventStreamParser } from '../../electron/core/hub/event-stream.js';

describe('event stream parser', () => {
  it('joins chunks split anywhere, skips comments and retry lines, and handles CRLF', () => {
    const events: string[] = [];
    const parser = new EventStreamParser((data) => events.push(data));
    const stream = 'retry: 2000\n\n: keep-alive\n\ndata: {"type":"status"}\n\ndata:{"a":1}\r\n\r\ndata: line one\ndata: line two\n\n';
    for (let i = 0; i < stream.length; i += 3) parser.push(stream.slice(i, i + 3));
    expect(events).toEqual(['{"type":"status"}', '{"a":1}', 'line one\nline two']);
  });
});
