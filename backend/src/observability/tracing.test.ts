import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { createXRayTracer, type FinishedRequest, parseTraceHeader, type Tracer } from './tracing';

const ROOT = '1-5759e988-bd862e3fe1be46a994272793';

function request(overrides: Partial<FinishedRequest> = {}): FinishedRequest {
  return {
    traceHeader: undefined,
    requestId: 'req-1',
    method: 'POST',
    url: '/api/query',
    status: 200,
    startMs: 1_700_000_000_000,
    endMs: 1_700_000_000_040,
    spans: [
      { name: 'embedding', startMs: 1_700_000_000_001, endMs: 1_700_000_000_002 },
      { name: 'generation', startMs: 1_700_000_000_010, endMs: 1_700_000_000_039 },
    ],
    ...overrides,
  };
}

describe('parseTraceHeader', () => {
  it('reads root, parent and the sampling decision', () => {
    expect(parseTraceHeader(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`)).toEqual({
      root: ROOT,
      parent: '53995c3f42cd8ad8',
      sampled: true,
    });
    expect(parseTraceHeader(`Root=${ROOT};Sampled=0`)).toEqual({
      root: ROOT,
      parent: undefined,
      sampled: false,
    });
    expect(parseTraceHeader(`Root=${ROOT}`)).toEqual({ root: ROOT, parent: undefined, sampled: undefined });
  });

  it('ignores malformed headers', () => {
    expect(parseTraceHeader(undefined)).toBeUndefined();
    expect(parseTraceHeader('Root=nonsense;Sampled=1')).toBeUndefined();
    expect(parseTraceHeader('garbage')).toBeUndefined();
  });
});

describe('createXRayTracer', () => {
  let daemon: Socket;
  let received: string[];
  let tracer: Tracer;

  beforeEach(async () => {
    received = [];
    daemon = createSocket('udp4');
    daemon.on('message', (message) => received.push(message.toString('utf8')));
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    await tracer.close();
    await new Promise<void>((resolve) => daemon.close(() => resolve()));
  });

  function start(sampleRate: number, random = () => 0.5): void {
    const { port } = daemon.address() as AddressInfo;
    tracer = createXRayTracer({
      serviceName: 'ragchat-backend',
      daemon: { host: '127.0.0.1', port },
      sampleRate,
      random,
    });
  }

  async function nextDocuments(count: number): Promise<Record<string, unknown>[]> {
    while (received.length < count) await new Promise((resolve) => setImmediate(resolve));
    return received.map((packet) => {
      const [header, body] = packet.split('\n');
      expect(header).toBe('{"format": "json", "version": 1}');
      return JSON.parse(body ?? '') as Record<string, unknown>;
    });
  }

  it('sends a segment with one subsegment per span, joined to the caller trace', async () => {
    start(0);
    tracer.record(request({ traceHeader: `Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1` }));
    const [segment] = await nextDocuments(1);
    expect(segment).toMatchObject({
      name: 'ragchat-backend',
      trace_id: ROOT,
      parent_id: '53995c3f42cd8ad8',
      start_time: 1_700_000_000,
      end_time: 1_700_000_000.04,
      http: { request: { method: 'POST', url: '/api/query' }, response: { status: 200 } },
      annotations: { request_id: 'req-1' },
    });
    expect(segment?.id).toMatch(/^[0-9a-f]{16}$/);
    expect(segment).not.toHaveProperty('fault');
    expect(segment?.subsegments).toEqual([
      expect.objectContaining({
        name: 'embedding',
        start_time: 1_700_000_000.001,
        end_time: 1_700_000_000.002,
      }),
      expect.objectContaining({
        name: 'generation',
        start_time: 1_700_000_000.01,
        end_time: 1_700_000_000.039,
      }),
    ]);
  });

  it('respects Sampled=0, samples undecided requests at the configured rate, and marks faults', async () => {
    start(0.1, () => 0.05);
    tracer.record(request({ traceHeader: `Root=${ROOT};Sampled=0`, requestId: 'not-sampled' }));
    tracer.record(request({ status: 503, requestId: 'sampled' }));
    const documents = await nextDocuments(1);
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({ fault: true, annotations: { request_id: 'sampled' } });
    expect(documents[0]?.trace_id).toMatch(/^1-6553f100-[0-9a-f]{24}$/);
  });

  it('drops undecided requests above the sample rate', async () => {
    start(0.1, () => 0.5);
    tracer.record(request({ requestId: 'dropped' }));
    tracer.record(request({ traceHeader: `Root=${ROOT};Sampled=1`, requestId: 'kept' }));
    const documents = await nextDocuments(1);
    expect(documents.map((document) => (document.annotations as { request_id: string }).request_id)).toEqual([
      'kept',
    ]);
  });
});
