import { once } from 'node:events';
import {
  constants,
  createServer,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { encodeFrame } from './event-stream';
import {
  answerFrames,
  converseAnswer,
  deterministicEmbedding,
  type FakeReply,
  json,
  stream,
  titanEmbedding,
} from './replies';

export type Operation = 'invoke' | 'converse' | 'converse-stream';

export interface RecordedRequest {
  readonly operation: Operation;
  /** Decoded from the path, e.g. `amazon.titan-embed-text-v2:0`. */
  readonly modelId: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
  /** Resolves once the exchange is over: `completed` if the fake finished its reply, else `client-closed`. */
  readonly finished: Promise<'completed' | 'client-closed'>;
}

export interface FakeBedrock {
  /** Base URL to pass as the SDK `endpoint`. */
  readonly endpoint: string;
  /** Every request received, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Queues replies for the next requests of `operation`; once the queue is empty, defaults apply. */
  enqueue(operation: Operation, ...replies: FakeReply[]): void;
  close(): Promise<void>;
}

const ROUTE = /^\/model\/([^/]+)\/(invoke|converse|converse-stream)$/;

/**
 * A local Bedrock runtime speaking the real wire protocol (REST-JSON, `x-amzn-ErrorType` errors,
 * `application/vnd.amazon.eventstream` streams), so the real SDK client runs against it.
 */
export async function startFakeBedrock(): Promise<FakeBedrock> {
  const queues: Record<Operation, FakeReply[]> = { invoke: [], converse: [], 'converse-stream': [] };
  const requests: RecordedRequest[] = [];
  const sessions = new Set<ServerHttp2Session>();
  let requestCount = 0;

  // The SDK's default Bedrock handler speaks HTTP/2, so the fake does too (cleartext, prior knowledge).
  const server = createServer();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    requestCount += 1;
    handle(stream, headers, `fake-request-${requestCount}`).catch((error: unknown) => {
      stream.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });

  async function handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, requestId: string) {
    const exchange = trackExchange(stream, requestId);
    const rawBody = Buffer.concat(await stream.toArray()).toString('utf8');
    const match = ROUTE.exec(headers[':path'] ?? '');
    if (headers[':method'] !== 'POST' || !match) {
      await send(exchange, {
        kind: 'error',
        status: 404,
        errorType: 'UnknownOperationException',
        message: 'Not found',
      });
      return;
    }
    const operation = match[2] as Operation;
    const body = parseJson(rawBody);
    requests.push({
      operation,
      modelId: decodeURIComponent(match[1] ?? ''),
      headers,
      body,
      finished: exchange.finished,
    });
    await send(exchange, queues[operation].shift() ?? defaultReply(operation, body));
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    enqueue(operation, ...replies) {
      queues[operation].push(...replies);
    },
    async close() {
      for (const session of sessions) session.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** One request/response exchange on an HTTP/2 stream. */
interface Exchange {
  readonly stream: ServerHttp2Stream;
  readonly requestId: string;
  readonly finished: Promise<'completed' | 'client-closed'>;
  /** Ends the response; the exchange then counts as completed. */
  end(chunk?: Uint8Array | string): void;
}

function trackExchange(stream: ServerHttp2Stream, requestId: string): Exchange {
  let ended = false;
  // Resets, ours ('destroy' replies) or the client's (aborts), are part of what the fake simulates.
  stream.on('error', () => {});
  const finished = new Promise<'completed' | 'client-closed'>((resolve) => {
    stream.once('close', () => resolve(ended ? 'completed' : 'client-closed'));
  });
  return {
    stream,
    requestId,
    finished,
    end(chunk) {
      ended = true;
      if (chunk === undefined) stream.end();
      else stream.end(chunk);
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function defaultReply(operation: Operation, body: unknown): FakeReply {
  switch (operation) {
    case 'invoke':
      return invokeDefault(body);
    case 'converse':
      return converseAnswer('Hello from the fake model.');
    case 'converse-stream':
      return stream(answerFrames(['Hello', ' from', ' the fake', ' model.']));
  }
}

/** Titan embedding requests get a deterministic vector; anything else a Llama-style completion. */
function invokeDefault(body: unknown): FakeReply {
  if (
    typeof body === 'object' &&
    body !== null &&
    'inputText' in body &&
    typeof body.inputText === 'string'
  ) {
    const dimensions = 'dimensions' in body && typeof body.dimensions === 'number' ? body.dimensions : 1024;
    return titanEmbedding(deterministicEmbedding(body.inputText, dimensions));
  }
  return json({
    generation: 'Hello from the fake model.',
    prompt_token_count: 42,
    generation_token_count: 7,
    stop_reason: 'stop',
  });
}

function respond(exchange: Exchange, status: number, headers: Record<string, string>): void {
  exchange.stream.respond({ ':status': status, 'x-amzn-requestid': exchange.requestId, ...headers });
}

async function send(exchange: Exchange, reply: FakeReply): Promise<void> {
  switch (reply.kind) {
    case 'json':
      if (reply.delayMs !== undefined) await delay(reply.delayMs);
      if (exchange.stream.closed) return;
      respond(exchange, 200, { 'content-type': 'application/json' });
      exchange.end(JSON.stringify(reply.body));
      return;
    case 'error':
      respond(exchange, reply.status, {
        'content-type': 'application/json',
        'x-amzn-errortype': `${reply.errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      });
      exchange.end(JSON.stringify({ message: reply.message }));
      return;
    case 'raw':
      respond(exchange, reply.status, { 'content-type': reply.contentType });
      exchange.end(reply.body);
      return;
    case 'hang':
      return;
    case 'stream':
      await sendStream(exchange, reply);
      return;
  }
}

async function sendStream(exchange: Exchange, reply: Extract<FakeReply, { kind: 'stream' }>): Promise<void> {
  respond(exchange, 200, { 'content-type': 'application/vnd.amazon.eventstream' });
  for (const frame of reply.frames) {
    if (exchange.stream.closed) return;
    exchange.stream.write(encodeFrame(frame));
    if (reply.frameDelayMs !== undefined) await delay(reply.frameDelayMs);
  }
  if (reply.ending === 'destroy') exchange.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  else if (reply.ending !== 'hang') exchange.end();
}
