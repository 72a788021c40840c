import { once } from 'node:events';
import { connect } from 'node:net';
import { AppError } from '../../src/errors';
import type { AnswerRequest, Generator } from '../../src/pipeline/types';
import {
  errorCode,
  parseEventStream,
  postJson,
  STARTUP_TIMEOUT_MS,
  startTestApp,
  type TestApp,
} from './harness';

/** Short enough to keep the suite fast, long enough for retrieval on a busy machine. */
const BUDGET_MS = 2500;
const INTERNAL_DETAIL = 'connection string postgres://secret@db';

/** What the disconnect scenario saw: how many tokens it produced and why it was stopped. */
let disconnect: { produced: number; stopped: Promise<unknown> };

function untilAborted(signal: AbortSignal | undefined): Promise<unknown> {
  return new Promise((resolve) =>
    signal?.addEventListener('abort', () => resolve(signal.reason), { once: true }),
  );
}

/** A generator whose behaviour is picked by the question, so one app covers every failure. */
const scriptedGenerator: Generator = {
  model: 'scripted',
  async *streamAnswer(request: AnswerRequest) {
    switch (request.question) {
      case 'throttled mid-stream':
        yield 'Partial ';
        yield 'answer ';
        throw new AppError(503, 'throttled', 'The model is throttling requests', { retryAfterSeconds: 5 });
      case 'throttled before any token':
        throw new AppError(503, 'throttled', 'The model is throttling requests', { retryAfterSeconds: 7 });
      case 'crash mid-stream':
        yield 'Partial ';
        throw new Error(INTERNAL_DETAIL);
      case 'hang politely':
        await untilAborted(request.signal);
        request.signal?.throwIfAborted();
        return;
      case 'hang and ignore the signal':
        await new Promise(() => undefined);
        return;
      case 'flood':
        // Far more than socket buffers hold, for a client that never reads.
        while (!request.signal?.aborted) yield 'x'.repeat(1_000_000);
        return;
      case 'wait for the client to leave': {
        disconnect.produced += 1;
        yield 'first ';
        const reason = await untilAborted(request.signal);
        disconnect.stopped = Promise.resolve(reason);
        for (;;) {
          disconnect.produced += 1;
          yield 'more ';
        }
      }
      default:
        yield 'ok';
    }
  },
};

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ generator: scriptedGenerator, env: { REQUEST_TIMEOUT_MS: String(BUDGET_MS) } });
}, STARTUP_TIMEOUT_MS);

afterAll(() => app.close());

function streamQuery(query: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${app.url}/api/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query }),
    ...(signal === undefined ? {} : { signal }),
  });
}

async function streamEvents(query: string) {
  const response = await streamQuery(query);
  expect(response.status).toBe(200);
  return parseEventStream(await response.text());
}

describe('a generator failing mid-stream', () => {
  it('ends the stream with an error event carrying the code and Retry-After seconds', async () => {
    const events = await streamEvents('throttled mid-stream');
    expect(events.map((event) => event.event)).toEqual(['sources', 'token', 'token', 'error']);
    expect(events.at(-1)?.data).toEqual({
      error: { code: 'throttled', message: 'The model is throttling requests', retryAfterSeconds: 5 },
    });
    expect(events.map((event) => event.event)).not.toContain('done');
  });

  it('hides the details of an unexpected error from the client but logs them', async () => {
    const events = await streamEvents('crash mid-stream');
    expect(events.map((event) => event.event)).toEqual(['sources', 'token', 'error']);
    expect(events.at(-1)?.data).toEqual({
      error: { code: 'internal_error', message: 'Internal server error' },
    });
    expect(JSON.stringify(events)).not.toContain('postgres://');
    expect(app.rawLogs()).toContain(INTERNAL_DETAIL);
  });
});

describe('a generator failing before the first token', () => {
  it('still sends sources first, then the error event', async () => {
    const events = await streamEvents('throttled before any token');
    expect(events.map((event) => event.event)).toEqual(['sources', 'error']);
    expect(events[1]?.data).toMatchObject({ error: { code: 'throttled', retryAfterSeconds: 7 } });
  });

  it('answers a JSON request with 503 and a Retry-After header', async () => {
    const response = await postJson(`${app.url}/api/query`, { query: 'throttled before any token' });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await errorCode(response)).toBe('throttled');
  });
});

describe('the per-request time budget', () => {
  it.each(['hang politely', 'hang and ignore the signal'])(
    'ends a stream that would %s with a timeout error event',
    async (query) => {
      const events = await streamEvents(query);
      expect(events.map((event) => event.event)).toEqual(['sources', 'error']);
      expect(events[1]?.data).toEqual({
        error: { code: 'timeout', message: `The request did not finish within ${BUDGET_MS} ms` },
      });
    },
  );

  it('answers a JSON request that runs out of time with 504', async () => {
    const response = await postJson(`${app.url}/api/query`, { query: 'hang and ignore the signal' });
    expect(response.status).toBe(504);
    expect(await errorCode(response)).toBe('timeout');
  });
});

describe('a client that disconnects mid-stream', () => {
  it('aborts the generation and stops pulling tokens', async () => {
    disconnect = { produced: 0, stopped: new Promise(() => undefined) };
    const client = new AbortController();
    const response = await streamQuery('wait for the client to leave', client.signal);
    const reader = response.body!.getReader();
    let received = '';
    while (!received.includes('event: token')) {
      const { value } = await reader.read();
      received += new TextDecoder().decode(value);
    }
    client.abort();
    const aborted = await new Promise<unknown>((resolve) => {
      const poll = () => (disconnect.produced > 1 ? resolve(disconnect.stopped) : setImmediate(poll));
      poll();
    });
    expect(aborted).toMatchObject({ name: 'ClientDisconnectedError' });
    // The answer loop stops at the abort: the generator is never asked for the token after "more".
    expect(disconnect.produced).toBe(2);
    const health = await fetch(`${app.url}/health`);
    expect(health.status).toBe(200);
  });
});

describe('a client that stops reading', () => {
  it('cannot hold the request past its budget', async () => {
    const { port } = new URL(app.url);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.pause();
    const body = JSON.stringify({ query: 'flood' });
    socket.write(
      'POST /api/query HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\n' +
        `X-Request-Id: stalled-client\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    const finished = () =>
      app.logs().find((line) => line.requestId === 'stalled-client' && line.msg === 'request');
    while (finished() === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(finished()).toMatchObject({ status: 200, path: '/api/query' });
    const failure = app
      .logs()
      .find((line) => line.requestId === 'stalled-client' && line.msg === 'answer stream failed');
    expect(failure).toMatchObject({ err: { code: 'timeout' } });
    socket.destroy();
  });
});

describe('afterwards', () => {
  it('keeps serving normal requests', async () => {
    const events = await streamEvents('anything else');
    expect(events.map((event) => event.event)).toEqual(['sources', 'token', 'done']);
  });
});
