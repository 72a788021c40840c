import { SseParser } from '../../src/browser/sse-parser';

describe('SseParser', () => {
  test('parses named events with JSON data', () => {
    const events = new SseParser().push('event: token\ndata: {"text":"Hi"}\n\nevent: done\ndata: {}\n\n');

    expect(events).toEqual([
      { event: 'token', data: '{"text":"Hi"}' },
      { event: 'done', data: '{}' },
    ]);
  });

  test('waits for the blank line before dispatching, across arbitrary chunk splits', () => {
    const parser = new SseParser();
    const text = 'event: token\r\ndata: {"text":"a"}\r\n\r\nevent: token\ndata: {"text":"b"}\n\n';
    const events = [];
    for (const character of text) events.push(...parser.push(character));

    expect(events).toEqual([
      { event: 'token', data: '{"text":"a"}' },
      { event: 'token', data: '{"text":"b"}' },
    ]);
  });

  test('does not dispatch an event whose blank line has not arrived', () => {
    expect(new SseParser().push('event: token\ndata: {"text":"a"}\n')).toEqual([]);
  });

  test('joins multi-line data, ignores comments and unknown fields, defaults the event name', () => {
    const events = new SseParser().push(': keep-alive\nid: 7\nretry: 10\ndata: line one\ndata:line two\n\n');

    expect(events).toEqual([{ event: 'message', data: 'line one\nline two' }]);
  });

  test('drops events without data and resets the name between events', () => {
    const events = new SseParser().push('event: ping\n\ndata: x\n\n');

    expect(events).toEqual([{ event: 'message', data: 'x' }]);
  });
});
