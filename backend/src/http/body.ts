import type { Context } from 'koa';
import { AppError } from '../errors';

/** Media types a request body may have, by endpoint. */
export type BodyKind = 'json' | 'text';

export interface ReceivedBody {
  readonly kind: BodyKind;
  readonly text: string;
  /** Only set for JSON bodies. */
  readonly json: unknown;
}

const TEXT_TYPES = ['text/plain', 'text/markdown'];

/**
 * Reads the request body as UTF-8, refusing a wrong or missing Content-Type (415), a body larger
 * than `maxBytes` (413, without buffering more than the limit) and invalid JSON or UTF-8 (400).
 */
export async function readBody(
  ctx: Context,
  accepted: readonly BodyKind[],
  maxBytes: number,
): Promise<ReceivedBody> {
  const kind = bodyKind(ctx, accepted);
  const encoding = ctx.get('Content-Encoding').toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw new AppError(415, 'unsupported_media_type', 'Compressed request bodies are not accepted');
  }
  const charset = ctx.request.charset.toLowerCase();
  if (charset !== '' && charset !== 'utf-8' && charset !== 'utf8') {
    throw new AppError(415, 'unsupported_media_type', 'Request bodies must be UTF-8');
  }
  const declaredLength = Number(ctx.get('Content-Length'));
  if (declaredLength > maxBytes) throw tooLarge(maxBytes);
  const text = decodeUtf8(await collect(ctx, maxBytes));
  if (kind === 'text') return { kind, text, json: undefined };
  try {
    return { kind, text, json: JSON.parse(text) };
  } catch {
    throw new AppError(400, 'invalid_json', 'The request body is not valid JSON');
  }
}

function bodyKind(ctx: Context, accepted: readonly BodyKind[]): BodyKind {
  const expected = accepted.flatMap((kind) => (kind === 'json' ? ['application/json'] : TEXT_TYPES));
  const type = ctx.request.type.toLowerCase();
  if (accepted.includes('json') && type === 'application/json') return 'json';
  if (accepted.includes('text') && TEXT_TYPES.includes(type)) return 'text';
  throw new AppError(
    415,
    'unsupported_media_type',
    `Content-Type must be ${expected.join(' or ')}${type === '' ? '' : `, got ${type}`}`,
  );
}

async function collect(ctx: Context, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  // Not destroying the request on an early exit keeps the socket alive long enough to send the 413.
  for await (const chunk of ctx.req.iterator({ destroyOnReturn: false })) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    received += buffer.length;
    if (received > maxBytes) throw tooLarge(maxBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, received);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new AppError(400, 'invalid_encoding', 'The request body is not valid UTF-8');
  }
}

function tooLarge(maxBytes: number): AppError {
  return new AppError(413, 'payload_too_large', `The request body is larger than ${maxBytes} bytes`);
}
