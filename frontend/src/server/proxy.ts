import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import { PassThrough, Transform } from 'node:stream';
import type { Context, Middleware } from 'koa';
import { pathWithinBase } from './base-path';
import { AppError } from './errors';
import type { Logger } from './logger';

export interface ProxyOptions {
  readonly basePath: string;
  readonly backendUrl: URL;
  /** Longest wait for response headers, and longest silence inside a streamed body. */
  readonly timeoutMs: number;
  /** Largest request body forwarded (a document upload); larger ones get 413 and stop flowing. */
  readonly maxBodyBytes: number;
  readonly logger: Logger;
  /** Pass the load balancer's X-Forwarded-For on; otherwise send the socket peer as the client. */
  readonly trustProxy: boolean;
}

/** What the browser may tell the backend; cookies and hop-by-hop headers stay behind. */
const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'authorization',
  'content-length',
  'content-type',
  'if-none-match',
  'x-request-id',
  // The signed sign-in token: the backend verifies it again and reads the user from it.
  'x-amzn-oidc-data',
] as const;

/** What the backend may tell the browser; security headers are the frontend's own. */
const FORWARDED_RESPONSE_HEADERS = [
  'cache-control',
  'content-type',
  'etag',
  'location',
  'retry-after',
  'x-request-id',
] as const;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * Forwards `<base>/api/*` to the backend. Bodies are relayed chunk by chunk, never buffered, so
 * server-sent events reach the browser token by token; a client that goes away aborts the backend
 * request, which stops generation there too.
 */
export function apiProxy(options: ProxyOptions): Middleware {
  return async (ctx, next) => {
    const route = pathWithinBase(ctx.path, options.basePath);
    if (route === undefined || !(route === '/api' || route.startsWith('/api/'))) return next();

    const apiRoot = `${options.backendUrl.pathname.replace(/\/$/, '')}/api`;
    const target = new URL(apiRoot + route.slice('/api'.length), options.backendUrl);
    // URL resolves dot segments ("/api/../ready", "%2e%2e"): whatever is left must still be the API.
    if (target.pathname !== apiRoot && !target.pathname.startsWith(`${apiRoot}/`)) return next();
    target.search = ctx.querystring === '' ? '' : `?${ctx.querystring}`;

    if (Number(ctx.get('content-length')) > options.maxBodyBytes) throw tooLarge(options.maxBodyBytes);
    const response = await sendUpstream(ctx, target, options);

    ctx.status = response.statusCode ?? 502;
    for (const name of FORWARDED_RESPONSE_HEADERS) {
      const value = response.headers[name];
      if (value !== undefined) ctx.set(name, value);
    }
    const isEventStream = isEventStreamType(response.headers);
    if (isEventStream) ctx.set('X-Accel-Buffering', 'no');
    ctx.body = relay(response, options, isEventStream);
  };
}

function isEventStreamType(headers: IncomingHttpHeaders): boolean {
  return (headers['content-type'] ?? '').toLowerCase().startsWith('text/event-stream');
}

function forwardedHeaders(ctx: Context, trustProxy: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = ctx.get(name);
    if (value !== '') headers[name] = value;
  }
  // The backend counts usage per client address when nobody signs in. The ALB appends the
  // address it saw as the last entry; that header is passed on unchanged, so the backend reads
  // the same last entry whether the request came through here or straight from the ALB.
  const forwardedFor = trustProxy ? ctx.get('x-forwarded-for') : '';
  headers['x-forwarded-for'] = forwardedFor !== '' ? forwardedFor : (ctx.req.socket.remoteAddress ?? '');
  return headers;
}

/**
 * Resolves once the backend's response headers arrive; rejects with an AppError otherwise.
 * A client that disconnects before the backend finished takes the backend request down with it.
 */
function sendUpstream(ctx: Context, target: URL, options: ProxyOptions): Promise<IncomingMessage> {
  const { timeoutMs } = options;
  return new Promise((resolve, reject) => {
    const transport = target.protocol === 'https:' ? https : http;
    const request = transport.request(target, {
      method: ctx.method,
      headers: forwardedHeaders(ctx, options.trustProxy),
    });
    let upstreamResponse: IncomingMessage | undefined;
    ctx.res.once('close', () => {
      if (!upstreamResponse?.complete) request.destroy();
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(
        new AppError(504, 'backend_timeout', `The backend did not answer within ${seconds(timeoutMs)}.`, {
          retryAfterSeconds: 5,
        }),
      );
    }, timeoutMs);

    request.once('response', (response) => {
      clearTimeout(timer);
      upstreamResponse = response;
      resolve(response);
    });
    request.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        UNREACHABLE_CODES.has(error.code ?? '')
          ? new AppError(502, 'backend_unavailable', 'The backend is not reachable right now.', {
              cause: error,
              retryAfterSeconds: 5,
            })
          : new AppError(502, 'bad_gateway', 'The request to the backend failed.', { cause: error }),
      );
    });
    // Streamed as it arrives (uploads are never buffered here); a body without Content-Length is
    // counted on the way and cut off at the limit.
    let received = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        if (received <= options.maxBodyBytes) return callback(null, chunk);
        clearTimeout(timer);
        request.destroy();
        ctx.set('Connection', 'close');
        reject(tooLarge(options.maxBodyBytes));
        callback();
      },
    });
    ctx.req.pipe(limit).pipe(request);
  });
}

function tooLarge(maxBytes: number): AppError {
  return new AppError(413, 'payload_too_large', `The request body is larger than ${maxBytes} bytes.`);
}

/**
 * Copies the backend body to the client as it arrives. When the backend falls silent or dies
 * halfway through an event stream, the client gets a final `error` event instead of a bare cut.
 */
function relay(response: IncomingMessage, options: ProxyOptions, isEventStream: boolean): PassThrough {
  const out = new PassThrough();
  let endsOnEventBoundary = true;
  let finished = false;

  const fail = (code: string, message: string) => {
    if (finished) return;
    finished = true;
    clearTimeout(idleTimer);
    response.unpipe(out);
    response.destroy();
    options.logger.error('backend stream failed', { code });
    if (!isEventStream) {
      out.destroy(new Error(message));
      return;
    }
    const separator = endsOnEventBoundary ? '' : '\n\n';
    out.end(`${separator}event: error\ndata: ${JSON.stringify({ error: { code, message } })}\n\n`);
  };

  const startIdleTimer = () =>
    setTimeout(
      () =>
        fail(
          'backend_timeout',
          `The backend sent nothing for ${seconds(options.timeoutMs)}; the answer is incomplete.`,
        ),
      options.timeoutMs,
    );
  let idleTimer = startIdleTimer();

  response.on('data', (chunk: Buffer) => {
    clearTimeout(idleTimer);
    idleTimer = startIdleTimer();
    endsOnEventBoundary = chunk.toString('latin1').endsWith('\n\n');
  });
  response.once('end', () => {
    finished = true;
    clearTimeout(idleTimer);
  });
  response.once('error', () =>
    fail('backend_interrupted', 'The backend stopped before the answer was complete.'),
  );
  response.once('close', () => {
    if (!response.complete)
      fail('backend_interrupted', 'The backend stopped before the answer was complete.');
  });
  // The client left (or the relay ended): nothing to report, just stop reading from the backend.
  out.once('close', () => {
    if (finished) return;
    finished = true;
    clearTimeout(idleTimer);
    response.destroy();
  });
  response.pipe(out);
  return out;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
