import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import { type FileBody, forEachUploadPart, type UploadPart } from './multipart';

const BOUNDARY = 'ragchat-test-boundary';
const LIMITS = { maxFileBytes: 1000, maxFiles: 5 };

/** A request whose body the test writes piece by piece, as a slow client would send it. */
function uploadRequest(): { ctx: Context; body: PassThrough } {
  const body = new PassThrough();
  Object.assign(body, { headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } });
  const ctx = { req: body, get: () => '', set: () => {} } as unknown as Context;
  return { ctx, body };
}

function partHeader(name: string, first: boolean): string {
  return (
    `${first ? '' : '\r\n'}--${BOUNDARY}\r\n` +
    `Content-Disposition: form-data; name="files"; filename="${name}"\r\n` +
    'Content-Type: text/plain\r\n\r\n'
  );
}

const closing = `\r\n--${BOUNDARY}--\r\n`;

type Seen = { name: string; body: FileBody | 'not read' };

async function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const waiting = new Promise<'still waiting'>((done) => {
    timer = setTimeout(done, ms, 'still waiting');
  });
  try {
    return await Promise.race([promise, waiting]);
  } finally {
    clearTimeout(timer);
  }
}

describe('forEachUploadPart', () => {
  it('refuses a file as soon as it passes the limit, without waiting for or keeping the rest, and reads the next file', async () => {
    const { ctx, body } = uploadRequest();
    let refusedBig: (body: FileBody) => void = () => {};
    const bigRefusal = new Promise<FileBody>((resolve) => {
      refusedBig = resolve;
    });
    const done = forEachUploadPart(ctx, LIMITS, async (part: UploadPart): Promise<Seen> => {
      if (part.kind !== 'file') throw new Error(`unexpected ${part.kind}`);
      const read = await part.read();
      if (part.name === 'big.txt') refusedBig(read);
      return { name: part.name, body: read };
    });
    body.write(partHeader('big.txt', true));
    body.write(Buffer.alloc(LIMITS.maxFileBytes + 500, 'a'));
    // The client has not finished sending big.txt, yet its refusal is already decided.
    await expect(settlesWithin(bigRefusal, 2000)).resolves.toEqual({ tooLarge: true });
    for (let sent = 0; sent < 4_000_000; sent += 65_536) body.write(Buffer.alloc(65_536, 'b'));
    body.write(`${partHeader('small.txt', false)}hello`);
    body.end(closing);
    const results = await done;
    expect(results).toEqual([
      { name: 'big.txt', body: { tooLarge: true } },
      { name: 'small.txt', body: { tooLarge: false, bytes: Buffer.from('hello') } },
    ]);
  });

  it('discards a file the handler does not read, and still hands over the next one', async () => {
    const { ctx, body } = uploadRequest();
    const done = forEachUploadPart(ctx, LIMITS, async (part: UploadPart): Promise<Seen> => {
      if (part.kind !== 'file') throw new Error(`unexpected ${part.kind}`);
      if (part.name.endsWith('.png')) return { name: part.name, body: 'not read' };
      return { name: part.name, body: await part.read() };
    });
    body.write(`${partHeader('photo.png', true)}${'x'.repeat(200_000)}`);
    body.write(`${partHeader('notes.txt', false)}kept`);
    body.end(closing);
    await expect(done).resolves.toEqual([
      { name: 'photo.png', body: 'not read' },
      { name: 'notes.txt', body: { tooLarge: false, bytes: Buffer.from('kept') } },
    ]);
  });
});
