import type { Readable } from 'node:stream';
import { Busboy } from '@fastify/busboy';
import type { Context } from 'koa';
import { AppError } from '../errors';

export interface MultipartLimits {
  /** Bytes per file; the rest of a larger file is discarded as it arrives, never buffered. */
  readonly maxFileBytes: number;
  readonly maxFiles: number;
}

/** One part of a multipart/form-data upload, in the order the client sent them. */
export type UploadPart =
  | {
      readonly kind: 'file';
      readonly name: string;
      readonly mediaType: string;
      /** At most maxFileBytes; `truncated` says the file was larger. */
      readonly bytes: Buffer;
      readonly truncated: boolean;
    }
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'too_many_files' };

/** Form fields a client may add; none are read today, but a few are tolerated (and reported). */
const MAX_FIELDS = 20;

/**
 * Streams a multipart/form-data body through busboy, one part at a time: the next file is not
 * read off the socket until `handle` has finished with the previous one, so memory stays at one
 * file (at most maxFileBytes) whatever the number of files. Resolves with each part's result, in order.
 */
export function forEachUploadPart<Result>(
  ctx: Context,
  limits: MultipartLimits,
  handle: (part: UploadPart) => Promise<Result>,
): Promise<Result[]> {
  const encoding = ctx.get('Content-Encoding').toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw new AppError(415, 'unsupported_media_type', 'Compressed request bodies are not accepted');
  }
  let parser: InstanceType<typeof Busboy>;
  try {
    parser = new Busboy({
      headers: ctx.req.headers as { 'content-type': string },
      preservePath: true,
      limits: {
        fileSize: limits.maxFileBytes,
        files: limits.maxFiles,
        fields: MAX_FIELDS,
        parts: limits.maxFiles + MAX_FIELDS,
      },
    });
  } catch (error) {
    throw new AppError(400, 'invalid_multipart', 'The multipart/form-data body has no boundary', {
      cause: error,
    });
  }
  return new Promise((resolve, reject) => {
    const results: Result[] = [];
    let queue = Promise.resolve();
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      // Stop parsing; what the client still sends is read and dropped so the response can go out.
      ctx.req.unpipe(parser);
      ctx.req.resume();
      ctx.set('Connection', 'close');
      reject(error);
    };
    const enqueue = (task: () => Promise<Result>) => {
      queue = queue.then(async () => {
        if (!failed) results.push(await task());
      }, fail);
      queue.catch(fail);
    };
    parser.on(
      'file',
      (_field: string, stream: Readable, fileName: string, _encoding: string, mediaType: string) =>
        enqueue(async () => {
          const bytes = await collect(stream);
          const truncated = (stream as Readable & { truncated?: boolean }).truncated === true;
          return handle({ kind: 'file', name: fileName, mediaType, bytes, truncated });
        }),
    );
    parser.on('field', (name: string) => enqueue(() => handle({ kind: 'field', name })));
    parser.on('filesLimit', () => enqueue(() => handle({ kind: 'too_many_files' })));
    parser.on('error', (error: unknown) =>
      fail(
        new AppError(400, 'invalid_multipart', 'The multipart/form-data body is malformed or was cut off', {
          cause: error,
        }),
      ),
    );
    parser.on('finish', () => {
      queue.then(() => {
        if (!failed) resolve(results);
      }, fail);
    });
    ctx.req.on('aborted', () =>
      fail(new AppError(400, 'invalid_multipart', 'The client closed the upload before it was complete')),
    );
    ctx.req.pipe(parser);
  });
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
