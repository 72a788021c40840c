import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a handler returns: a JSON body, or an AWS error that is sent with HTTP 400. */
export type FakeReply = { readonly body: unknown } | { readonly error: string; readonly message: string };
export type FakeHandler = (request: Record<string, unknown>) => FakeReply;

export interface FakeCall {
  readonly target: string;
  readonly body: Record<string, unknown>;
}

/**
 * A local AWS endpoint speaking the JSON 1.1 protocol the real SDK uses for ECR, ECS, CodeDeploy and
 * SSM: POST / with `X-Amz-Target: <Service>.<Operation>`, errors as `{ "__type": ... }`. Handlers are
 * keyed by operation name; an operation without a handler answers UnknownOperationException.
 */
export class FakeAws {
  readonly calls: FakeCall[] = [];
  private server: Server | undefined;
  private requestCount = 0;

  constructor(private readonly handlers: Record<string, FakeHandler | FakeHandler[]>) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      void this.handle(request).then(({ status, body }) => {
        this.requestCount++;
        response.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': `req-${this.requestCount}`,
        });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  operations(): string[] {
    return this.calls.map((call) => call.target);
  }

  private async handle(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const header = String(request.headers['x-amz-target'] ?? '');
    const operation = header.split('.').pop() ?? '';
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    this.calls.push({ target: operation, body });
    if (!request.headers.authorization?.startsWith('AWS4-HMAC-SHA256')) {
      return {
        status: 403,
        body: { __type: 'MissingAuthenticationTokenException', message: 'unsigned request' },
      };
    }
    const registered = this.handlers[operation];
    // A list of handlers answers successive calls; the last one keeps answering.
    const handler = Array.isArray(registered)
      ? registered[
          Math.min(this.calls.filter((call) => call.target === operation).length - 1, registered.length - 1)
        ]
      : registered;
    if (handler === undefined) {
      return { status: 400, body: { __type: 'UnknownOperationException', message: `no fake for ${header}` } };
    }
    const reply = handler(body);
    return 'error' in reply
      ? { status: 400, body: { __type: reply.error, message: reply.message } }
      : { status: 200, body: reply.body };
  }
}
