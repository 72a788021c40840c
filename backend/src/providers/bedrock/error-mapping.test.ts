import {
  AccessDeniedException,
  InternalServerException,
  ModelStreamErrorException,
  ModelTimeoutException,
  ServiceQuotaExceededException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { AppError } from '../../errors';
import {
  BedrockCallError,
  budgetExhausted,
  type CallDescription,
  classifyFailure,
  MalformedResponseError,
  ResponseReadError,
  TruncatedStreamError,
  toAppError,
} from './error-mapping';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, requestId: 'req-42' } });
const call: CallDescription = { purpose: 'language', operation: 'ConverseStream', modelId: 'meta.llama3' };

test.each([
  [new ThrottlingException({ message: 'slow', ...meta(429) }), 'throttled', true],
  [new ServiceQuotaExceededException({ message: 'quota', ...meta(400) }), 'quota', false],
  [new ServiceUnavailableException({ message: 'busy', ...meta(503) }), 'unavailable', true],
  [new InternalServerException({ message: 'oops', ...meta(500) }), 'unavailable', true],
  [new ModelTimeoutException({ message: 'slow model', ...meta(408) }), 'timeout', true],
  [new AccessDeniedException({ message: 'no', ...meta(403) }), 'upstream', false],
  [new ValidationException({ message: 'bad', ...meta(400) }), 'upstream', false],
  [new ModelStreamErrorException({ message: 'broke', $metadata: {} }), 'upstream', false],
  [new MalformedResponseError('not JSON'), 'upstream', false],
  [new TruncatedStreamError('ended early'), 'unavailable', true],
  [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'unavailable', true],
  [Object.assign(new Error('socket idle'), { name: 'TimeoutError' }), 'timeout', true],
  [Object.assign(new Error('Unknown'), meta(429)), 'throttled', true],
  [Object.assign(new Error('Bad gateway'), meta(502)), 'unavailable', true],
  [new Error('anything else'), 'upstream', false],
  ['a string', 'upstream', false],
])('%p is %s (retryable: %p)', (error, kind, retryable) => {
  expect(classifyFailure(error)).toMatchObject({ kind, retryable });
});

test('the request id comes from the SDK metadata, or from the stream response that carried the error', () => {
  expect(classifyFailure(new ThrottlingException({ message: 'x', ...meta(429) })).requestId).toBe('req-42');
  const inStream = new ModelStreamErrorException({ message: 'broke', $metadata: {} });

  const failure = classifyFailure(new ResponseReadError(inStream, 'stream-req-7'));

  expect(failure).toMatchObject({
    kind: 'upstream',
    reason: 'ModelStreamErrorException',
    requestId: 'stream-req-7',
  });
  expect(failure.detail).toBe('broke');
});

test.each([
  ['throttled', 503, 'throttled', 3],
  ['unavailable', 503, 'unavailable', 3],
  ['timeout', 503, 'timeout', 3],
  ['quota', 503, 'throttled', 60],
  ['upstream', 502, 'upstream_error', undefined],
] as const)('a %s failure is HTTP %i %s with Retry-After %p', (kind, status, code, retryAfter) => {
  const failure = { ...classifyFailure(new Error('x')), kind };

  const error = toAppError(call, failure, 2, 3, new Error('x'));

  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ status, code, expose: true, retryAfterSeconds: retryAfter });
});

test('the client message is a fixed text; AWS details and the request id travel only in the cause', () => {
  const original = new AccessDeniedException({
    message: 'User arn:aws:iam::1234:role/x is not authorized',
    ...meta(403),
  });

  const error = toAppError(call, classifyFailure(original), 1, 1, original);

  expect(error.message).toBe('The language model could not handle this request.');
  expect(error.message).not.toMatch(/arn:|req-42|AccessDenied/);
  expect(error.cause).toBeInstanceOf(BedrockCallError);
  const cause = error.cause as BedrockCallError;
  expect(cause.message).toBe(
    'Bedrock ConverseStream meta.llama3 failed (AccessDeniedException, HTTP 403, request id req-42, 1 attempt): ' +
      'User arn:aws:iam::1234:role/x is not authorized',
  );
  expect(cause.cause).toBe(original);
});

test('an exhausted budget is a non-retryable timeout that keeps the last request id', () => {
  const failure = budgetExhausted(200, 'req-9');

  expect(failure).toMatchObject({ kind: 'timeout', retryable: false, requestId: 'req-9' });
  expect(toAppError(call, failure, 1, 1, undefined).cause).toHaveProperty(
    'message',
    expect.stringContaining('within the 200 ms time budget'),
  );
});
