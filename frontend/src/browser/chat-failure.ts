import type { ErrorCode } from '@ragchat/backend/service-kit/error-codes';
import type { FrontendErrorCode } from '../server/errors';

/** Why an answer did not complete, in the terms the conversation shows to people. */
export type ChatFailure =
  | { readonly kind: 'unavailable'; readonly retryAfterSeconds: number | undefined }
  | { readonly kind: 'throttled'; readonly retryAfterSeconds: number | undefined }
  | { readonly kind: 'interrupted' }
  /** The daily question or answer allowance is used up; the backend says when it resets. */
  | { readonly kind: 'limited'; readonly message: string }
  | { readonly kind: 'signed_out' }
  | { readonly kind: 'rejected'; readonly message: string };

/** A code the backend or the frontend server sends; the sets below can only hold these. */
type ReportedCode = ErrorCode | FrontendErrorCode;

const THROTTLED_CODES: ReadonlySet<string> = new Set<ReportedCode>(['throttled']);
const DAILY_LIMIT_CODE: ReportedCode = 'daily_limit_reached';
const INTERRUPTED_CODES: ReadonlySet<string> = new Set<ReportedCode>([
  'backend_interrupted',
  'backend_timeout',
]);

/** Classifies an error the backend or the proxy reported, with the HTTP status when there was one. */
export function classifyError(
  code: string,
  message: string,
  status: number | undefined,
  retryAfterSeconds: number | undefined,
): ChatFailure {
  if (code === DAILY_LIMIT_CODE) return { kind: 'limited', message };
  if (status === 401) return { kind: 'signed_out' };
  if (status === 429 || THROTTLED_CODES.has(code)) return { kind: 'throttled', retryAfterSeconds };
  if (status === undefined && INTERRUPTED_CODES.has(code)) return { kind: 'interrupted' };
  if (status !== undefined && status >= 500) return { kind: 'unavailable', retryAfterSeconds };
  return { kind: 'rejected', message: message === '' ? `The request failed (${code}).` : message };
}

export function describeFailure(failure: ChatFailure): string {
  switch (failure.kind) {
    case 'unavailable':
      return `The chat backend is not reachable right now. ${retryHint(failure.retryAfterSeconds)}`;
    case 'throttled':
      return `The model is busy. ${retryHint(failure.retryAfterSeconds)}`;
    case 'interrupted':
      return 'The answer was interrupted before it finished. Try again to get the full answer.';
    case 'limited':
      return failure.message === ''
        ? 'You have reached the daily limit. Try again tomorrow.'
        : failure.message;
    case 'signed_out':
      return 'Your sign-in has expired or is missing. Reload the page to sign in again.';
    case 'rejected':
      return failure.message;
  }
}

function retryHint(retryAfterSeconds: number | undefined): string {
  return retryAfterSeconds === undefined
    ? 'Try again in a moment.'
    : `Try again in ${Math.max(1, Math.ceil(retryAfterSeconds))} s.`;
}
