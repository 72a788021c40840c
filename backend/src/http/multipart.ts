import type { Readable } from 'node:stream';
import { Busboy } from '@fastify/busboy';
import type { Context } from 'koa';
import { AppError } from '../errors';

export interface MultipartLimits {
  /** Bytes per file; a larger file is refused as it passes this, and its rest discarded unbuffered. */
  readonly maxFileBytes: number;
  readonly maxFiles: number;
}

/** A file's bytes (at most maxFileBytes), or that it is larger: then none of it is kept. */
export type FileBody = { readonly tooLarge: false; readonly bytes: Buffer } | { readonly tooLarge: true };

/** One part of a multipart/form-data upload, in the order the client sent them. */
export type UploadPart =
  | {
      readonly kind: 'file';
      readonly name: string;
      readonly mediaType: string;
      /**
       * Reads the file off the request. A file the handler never reads (its name or type is refused)
       * is discarded as it arrives, so nothing of it is buffered.
       */
      read(): Promise<FileBody>;
    }
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'too_many_files' };

/** Form fields a client may add; none are read today, but a few are tolerated (and reported). */
const MAX_FIELDS = 20;

/**
 * Streams a multipart/form-data body through busboy, one part at a time: the next file is not
 * read off the socket until `handle` has finished with the previous one, so memory stays at one
 * file (at most maxFileBytes) whatever the number of files. A file that passes the limit is
 * settled at that byte (`tooLarge`), while the client is still sending it; the bytes read so far
 * are dropped and the rest discarded as it arrives. Resolves with each part's result, in order.
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
          let reading: Promise<FileBody> | undefined;
          try {
            return await handle({
              kind: 'file',
              name: fileName,
              mediaType,
              read: () => {
                reading ??= readWithinLimit(stream);
                return reading;
              },
            });
          } finally {
            // busboy reads no further part until this one is consumed.
            if (reading === undefined) stream.resume();
          }
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

function readWithinLimit(stream: Readable): Promise<FileBody> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let tooLarge = false;
    const refuse = () => {
      tooLarge = true;
      chunks = [];
      resolve({ tooLarge: true });
    };
    // busboy may have passed the limit while this part waited its turn.
    if ((stream as Readable & { truncated?: boolean }).truncated === true) refuse();
    stream.on('limit', refuse);
    stream.on('data', (chunk: Buffer) => {
      if (!tooLarge) chunks.push(chunk);
    });
    stream.once('end', () => {
      if (!tooLarge) resolve({ tooLarge: false, bytes: Buffer.concat(chunks) });
    });
    stream.once('error', reject);
  });
}
