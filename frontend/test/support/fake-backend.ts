import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake backend saw, so tests can assert what reached it (and what did not). */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export type FakeHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  body: string,
) => void | Promise<void>;

export interface FakeBackend {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Replaces the default `POST /api/query` behaviour. */
  onQuery(handler: FakeHandler): void;
  close(): Promise<void>;
}

export const FAKE_SOURCES = [
  {
    documentId: 'doc-1',
    title: 'Running containers on AWS Fargate',
    excerpt: 'Fargate runs tasks without servers.',
    score: 0.91,
  },
  {
    documentId: 'doc-2',
    title: 'Retrieval-augmented generation',
    excerpt: 'RAG grounds answers in documents.',
    score: 0.74,
  },
];

export const FAKE_TOKENS = ['Fargate ', 'runs ', 'containers ', 'without ', 'servers ', '[1].'];

export function writeSseEvent(response: ServerResponse, event: string, data: unknown): void {
  response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function startEventStream(response: ServerResponse): void {
  response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
}

/** Answers like the real backend's SSE mode, all at once. */
const streamWholeAnswer: FakeHandler = (_request, response) => {
  startEventStream(response);
  writeSseEvent(response, 'sources', { sources: FAKE_SOURCES, mode: 'local', model: 'fake-model' });
  for (const text of FAKE_TOKENS) writeSseEvent(response, 'token', { text });
  writeSseEvent(response, 'done', { answer: FAKE_TOKENS.join(''), timings: { totalMs: 1 } });
  response.end();
};

/** A stand-in speaking the backend's HTTP API, for proxy tests and UI work without a database. */
export async function startFakeBackend(): Promise<FakeBackend> {
  const requests: RecordedRequest[] = [];
  // Only what the page needs to start a chat; the real routes are tested against the real backend.
  const conversations: { id: string; title: string; createdAt: string; updatedAt: string }[] = [];
  let queryHandler: FakeHandler = streamWholeAnswer;

  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(Buffer.from(chunk));
    const body = Buffer.concat(chunks).toString('utf8');
    requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
    const route = `${request.method} ${request.url?.split('?')[0]}`;
    if (route === 'POST /api/query') return queryHandler(request, response, body);
    if (route === 'POST /api/conversations') {
      const title = (JSON.parse(body) as { title?: string }).title ?? 'New chat';
      const conversation = { id: randomUUID(), title, createdAt: new Date().toISOString() };
      conversations.unshift({ ...conversation, updatedAt: conversation.createdAt });
      return sendJson(response, 201, conversations[0]);
    }
    if (route === 'GET /api/conversations') {
      return sendJson(response, 200, { items: conversations, nextCursor: null });
    }
    if (route === 'GET /api/stats') {
      return sendJson(response, 200, {
        documents: 10,
        chunks: 42,
        embeddingModel: 'fake-embed',
        generationModel: 'fake-model',
        mode: 'local',
      });
    }
    if (route === 'GET /health' || route === 'GET /ready') return sendJson(response, 200, { status: 'ok' });
    sendJson(response, 404, { error: { code: 'not_found', message: 'No such route' } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    onQuery: (handler) => {
      queryHandler = handler;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
) {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
