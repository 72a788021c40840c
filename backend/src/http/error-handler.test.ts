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
    const hidden = new AppError(500, 'migration_failed', 'relation "chunks" does not exist');
    expect(toErrorResponse(hidden).body).toEqual({
      error: { code: 'migration_failed', message: 'Internal server error' },
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
});
