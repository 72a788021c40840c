import { classifyError, describeFailure } from '../../src/browser/chat-failure';

describe('classifyError', () => {
  test('a used-up daily allowance shows the backend\'s plain words, not "the model is busy"', () => {
    const message = 'You have asked 500 questions today, the daily limit. It resets at midnight UTC, in 2 h.';
    const failure = classifyError('daily_limit_reached', message, 429, 7200);

    expect(failure).toEqual({ kind: 'limited', message });
    expect(describeFailure(failure)).toBe(message);
  });

  test('a 401 asks the user to sign in again', () => {
    expect(describeFailure(classifyError('unauthorized', 'Sign-in required', 401, undefined))).toBe(
      'Your sign-in has expired or is missing. Reload the page to sign in again.',
    );
  });

  test('a throttled backend, by status or by code, says when to try again', () => {
    const byCode = classifyError('throttled', 'busy', undefined, 5);
    const byStatus = classifyError('whatever', '', 429, undefined);

    expect(byCode).toEqual({ kind: 'throttled', retryAfterSeconds: 5 });
    expect(byStatus).toEqual({ kind: 'throttled', retryAfterSeconds: undefined });
    expect(describeFailure(byCode)).toBe('The model is busy. Try again in 5 s.');
    expect(describeFailure(byStatus)).toBe('The model is busy. Try again in a moment.');
  });

  test('a throttled code inside a 503 is still throttling, not an outage', () => {
    expect(classifyError('throttled', '', 503, 3).kind).toBe('throttled');
  });

  test('5xx responses mean the backend is unavailable', () => {
    const failure = classifyError('backend_unavailable', 'The backend is not reachable right now.', 502, 5);

    expect(failure).toEqual({ kind: 'unavailable', retryAfterSeconds: 5 });
    expect(describeFailure(failure)).toBe('The chat backend is not reachable right now. Try again in 5 s.');
  });

  test('errors ending a stream mean the answer was interrupted', () => {
    const failure = classifyError('backend_interrupted', '', undefined, undefined);

    expect(failure).toEqual({ kind: 'interrupted' });
    expect(describeFailure(failure)).toMatch(/interrupted/);
  });

  test("other client errors show the backend's message", () => {
    const failure = classifyError('validation_failed', 'query must not be empty', 400, undefined);

    expect(describeFailure(failure)).toBe('query must not be empty');
    expect(describeFailure(classifyError('weird', '', 400, undefined))).toBe('The request failed (weird).');
  });

  test('rounds fractional waits up', () => {
    expect(describeFailure({ kind: 'throttled', retryAfterSeconds: 0.2 })).toBe(
      'The model is busy. Try again in 1 s.',
    );
  });
});
