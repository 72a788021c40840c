import {
  decodeConversation,
  decodeConversationPage,
  decodeErrorBody,
  decodeStats,
  decodeStreamEvent,
  parseRetryAfter,
} from '../../src/browser/protocol';

describe('decodeStreamEvent', () => {
  test('decodes the four documented events', () => {
    const sources = [{ documentId: 'd1', title: 'T', excerpt: 'E', score: 0.5 }];

    expect(decodeStreamEvent({ event: 'sources', data: JSON.stringify({ sources, mode: 'local' }) })).toEqual(
      {
        type: 'sources',
        sources,
      },
    );
    expect(decodeStreamEvent({ event: 'token', data: '{"text":"Hi"}' })).toEqual({
      type: 'token',
      text: 'Hi',
    });
    expect(
      decodeStreamEvent({ event: 'done', data: '{"answer":"Hi","timings":{},"messageId":"m1"}' }),
    ).toEqual({
      type: 'done',
      answer: 'Hi',
      messageId: 'm1',
    });
    expect(
      decodeStreamEvent({
        event: 'error',
        data: '{"error":{"code":"throttled","message":"busy","retryAfterSeconds":5}}',
      }),
    ).toEqual({ type: 'error', error: { code: 'throttled', message: 'busy', retryAfterSeconds: 5 } });
  });

  test('drops malformed sources but keeps the well-formed ones', () => {
    const event = decodeStreamEvent({
      event: 'sources',
      data: JSON.stringify({
        sources: [{ title: 'no id' }, { documentId: 'd', title: 'ok', excerpt: '', score: 'x' }],
      }),
    });

    expect(event).toEqual({
      type: 'sources',
      sources: [{ documentId: 'd', title: 'ok', excerpt: '', score: 0 }],
    });
  });

  test.each([
    { event: 'token', data: '{"te' },
    { event: 'token', data: '{"text":42}' },
    { event: 'token', data: '"text"' },
    { event: 'mystery', data: '{}' },
    { event: 'error', data: '{"error":"flat"}' },
    { event: 'sources', data: '{"sources":"none"}' },
  ])('ignores %j', (event) => {
    expect(decodeStreamEvent(event)).toBeUndefined();
  });
});

describe('decodeErrorBody', () => {
  test('reads the shared error shape and rejects other shapes', () => {
    expect(decodeErrorBody({ error: { code: 'not_ready', message: 'warming up' } })).toEqual({
      code: 'not_ready',
      message: 'warming up',
      retryAfterSeconds: undefined,
    });
    expect(decodeErrorBody({ error: { message: 'no code' } })).toBeUndefined();
    expect(decodeErrorBody('oops')).toBeUndefined();
  });

  test('ignores a negative or non-numeric retryAfterSeconds', () => {
    expect(
      decodeErrorBody({ error: { code: 'x', retryAfterSeconds: -1 } })?.retryAfterSeconds,
    ).toBeUndefined();
    expect(
      decodeErrorBody({ error: { code: 'x', retryAfterSeconds: '5' } })?.retryAfterSeconds,
    ).toBeUndefined();
  });
});

describe('decodeStats', () => {
  test('reads counts and mode', () => {
    expect(
      decodeStats({ documents: 10, chunks: 40, embeddingModel: 'e', generationModel: 'g', mode: 'bedrock' }),
    ).toEqual({ documents: 10, chunks: 40, mode: 'bedrock', generationModel: 'g' });
  });

  test('rejects an unknown mode or missing counts', () => {
    expect(decodeStats({ documents: 1, chunks: 1, mode: 'cloud' })).toBeUndefined();
    expect(decodeStats({ chunks: 1, mode: 'local' })).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  test.each([
    ['5', 5],
    [' 12 ', 12],
    [null, undefined],
    ['soon', undefined],
    ['Wed, 21 Oct 2015 07:28:00 GMT', undefined],
  ])('%j → %j', (header, expected) => {
    expect(parseRetryAfter(header)).toBe(expected);
  });
});

describe('conversations', () => {
  test('reads a page, dropping malformed items; a missing cursor means the last page', () => {
    expect(
      decodeConversationPage({
        items: [{ id: 'c1', title: 'One', updatedAt: '2026-01-01T00:00:00.000Z' }, { id: 2 }],
        nextCursor: null,
      }),
    ).toEqual({
      items: [{ id: 'c1', title: 'One', updatedAt: '2026-01-01T00:00:00.000Z' }],
      nextCursor: undefined,
    });
    expect(decodeConversationPage({ items: 'no' })).toBeUndefined();
  });

  test('reads a conversation with its messages and their feedback', () => {
    const decoded = decodeConversation({
      id: 'c1',
      title: 'One',
      updatedAt: 'x',
      messages: [
        { id: 'm1', question: 'Q', answer: 'A', sources: [], feedback: { rating: 'down', comment: 'no' } },
        { id: 'm2', question: 'Q2', answer: 'A2', sources: [{ bad: true }], feedback: null },
        { id: 'm3' },
      ],
    });
    expect(decoded?.messages).toEqual([
      { id: 'm1', question: 'Q', answer: 'A', sources: [], feedback: { rating: 'down', comment: 'no' } },
      { id: 'm2', question: 'Q2', answer: 'A2', sources: [], feedback: undefined },
    ]);
  });
});
