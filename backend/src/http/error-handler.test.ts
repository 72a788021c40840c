import { AppError } from '../errors';
import { toErrorResponse } from './error-handler';

describe('toErrorResponse', () => {
  it('passes an exposed AppError through as code and message', () => {
    expect(toErrorResponse(new AppError(400, 'invalid_request', 'query must be a non-empty string'))).toEqual(
      {
        status: 400,
        body: { error: { code: 'invalid_request', message: 'query must be a non-empty string' } },
      },
    );
  });

  it('adds Retry-After seconds for throttling and unavailability', () => {
    const error = new AppError(503, 'throttled', 'Bedrock is throttling', { retryAfterSeconds: 4 });
    expect(toErrorResponse(error)).toEqual({
      status: 503,
      body: { error: { code: 'throttled', message: 'Bedrock is throttling', retryAfterSeconds: 4 } },
      retryAfterSeconds: 4,
    });
  });

  it('replaces the message of an unexposed AppError with a generic one for its status', () => {
    const hidden = new AppError(500, 'internal_error', 'relation "chunks" does not exist');
    expect(toErrorResponse(hidden).body).toEqual({
      error: { code: 'internal_error', message: 'Internal server error' },
    });
    const hiddenTimeout = new AppError(504, 'timeout', 'socket to 10.0.0.7 timed out', { expose: false });
    expect(toErrorResponse(hiddenTimeout).body.error.message).toBe('The request took too long');
  });

  it('turns anything else into a generic 500 without details', () => {
    const response = toErrorResponse(new TypeError("Cannot read properties of undefined (reading 'rows')"));
    expect(response).toEqual({
      status: 500,
      body: { error: { code: 'internal_error', message: 'Internal server error' } },
    });
    expect(JSON.stringify(toErrorResponse('a thrown string'))).not.toContain('a thrown string');
  });

  it.each<[string, unknown]>([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' }),
    ],
    [
      'a server shutdown (57P01)',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    ['a connection exception (08006)', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['a dropped socket', new Error('Connection terminated unexpectedly')],
    [
      'a pool acquire timeout',
      Object.assign(new Error('Knex: Timeout acquiring a connection.'), { name: 'KnexTimeoutError' }),
    ],
    [
      'a wrapped cause',
      new Error('query failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }),
    ],
  ])('answers %s with 503 database_unavailable and Retry-After', (_name, error) => {
    expect(toErrorResponse(error)).toEqual({
      status: 503,
      body: {
        error: {
          code: 'database_unavailable',
          message: 'The database is unavailable right now.',
          retryAfterSeconds: 5,
        },
      },
      retryAfterSeconds: 5,
    });
  });

  it('leaves AppErrors and other failures as they are', () => {
    const throttled = new AppError(503, 'throttled', 'busy', {
      retryAfterSeconds: 2,
      cause: { code: 'ECONNRESET' },
    });
    expect(toErrorResponse(throttled).body.error.code).toBe('throttled');
    expect(toErrorResponse(Object.assign(new Error('duplicate key'), { code: '23505' })).status).toBe(500);
  });
});
