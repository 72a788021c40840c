/** Why an uploaded file was refused; the message always starts with the file's name. */
export const FILE_REJECTIONS = [
  'unsupported_type',
  'file_too_large',
  'document_too_large',
  'encrypted_pdf',
  'no_text_layer',
  'corrupt_file',
  'decompression_limit',
  'empty_document',
] as const;
export type FileRejection = (typeof FILE_REJECTIONS)[number];

/**
 * Every error code the backend sends, in `{ "error": { "code" } }` and in the results of a
 * multipart upload. AppError accepts only these; the OpenAPI Error schema enumerates them, and
 * backend/src/error-codes.test.ts keeps the README's table of codes to exactly this list.
 */
export const ERROR_CODES = [
  // 400: the request itself
  'invalid_json',
  'invalid_encoding',
  'invalid_request',
  'invalid_id',
  'invalid_multipart',
  'invalid_file_name',
  'invalid_document',
  'invalid_input',
  'input_too_long',
  // 401, 403, 404, 405, 409, 501
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conversation_full',
  'not_implemented',
  // 413, 415, 422: the body or an uploaded file
  'payload_too_large',
  'too_many_files',
  'unsupported_media_type',
  ...FILE_REJECTIONS,
  'guardrail_intervened',
  // 429
  'daily_limit_reached',
  // 5xx
  'internal_error',
  'upstream_error',
  'throttled',
  'unavailable',
  'timeout',
  'database_unavailable',
  'signin_unavailable',
  'not_ready',
  'shutting_down',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
