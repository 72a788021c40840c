import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

/** One timed step of a request (embedding, retrieval, generation); times are epoch milliseconds. */
export interface Span {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface FinishedRequest {
  /** The incoming `X-Amzn-Trace-Id` header, if any (the ALB sets one). */
  readonly traceHeader: string | undefined;
  readonly requestId: string;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly spans: readonly Span[];
}

export interface Tracer {
  record(request: FinishedRequest): void;
  close(): Promise<void>;
}

export const noopTracer: Tracer = { record: () => undefined, close: async () => undefined };

interface TraceContext {
  readonly root: string;
  readonly parent: string | undefined;
  readonly sampled: boolean | undefined;
}

/** Parses `Root=1-…;Parent=…;Sampled=1`; anything unrecognised starts a new trace. */
export function parseTraceHeader(header: string | undefined): TraceContext | undefined {
  if (header === undefined) return undefined;
  const fields = new Map(
    header.split(';').map((part) => {
      const [key = '', value = ''] = part.trim().split('=');
      return [key, value] as const;
    }),
  );
  const root = fields.get('Root');
  if (root === undefined || !/^1-[0-9a-f]{8}-[0-9a-f]{24}$/.test(root)) return undefined;
  const parent = fields.get('Parent');
  const sampled = fields.get('Sampled');
  return {
    root,
    parent: parent !== undefined && /^[0-9a-f]{16}$/.test(parent) ? parent : undefined,
    sampled: sampled === '1' ? true : sampled === '0' ? false : undefined,
  };
}

export interface XRayTracerOptions {
  readonly serviceName: string;
  readonly daemon: { readonly host: string; readonly port: number };
  /** Share of requests traced when the caller did not decide (no `Sampled=` in the header). */
  readonly sampleRate: number;
  readonly random?: () => number;
  readonly onError?: (error: Error) => void;
}

const UDP_HEADER = '{"format": "json", "version": 1}\n';

/**
 * Sends each sampled request as one X-Ray segment (with a subsegment per span) to the X-Ray daemon
 * or ADOT sidecar over UDP: fire and forget, so tracing can never slow down or fail a request.
 */
export function createXRayTracer(options: XRayTracerOptions): Tracer {
  const random = options.random ?? Math.random;
  let socket: Socket | undefined;
  const send = (payload: string) => {
    if (socket === undefined) {
      socket = createSocket(options.daemon.host.includes(':') ? 'udp6' : 'udp4');
      socket.on('error', (error) => options.onError?.(error));
      socket.unref();
    }
    socket.send(payload, options.daemon.port, options.daemon.host, (error) => {
      if (error) options.onError?.(error);
    });
  };
  return {
    record(request) {
      const context = parseTraceHeader(request.traceHeader);
      const sampled = context?.sampled ?? random() < options.sampleRate;
      if (!sampled) return;
      send(UDP_HEADER + JSON.stringify(toSegment(options.serviceName, request, context)));
    },
    close: () =>
      new Promise((resolve) => {
        if (socket === undefined) return resolve();
        socket.close(() => resolve());
        socket = undefined;
      }),
  };
}

function toSegment(serviceName: string, request: FinishedRequest, context: TraceContext | undefined) {
  const seconds = (ms: number) => ms / 1000;
  return {
    name: serviceName,
    id: newId(),
    trace_id: context?.root ?? newTraceId(request.startMs),
    ...(context?.parent === undefined ? {} : { parent_id: context.parent }),
    start_time: seconds(request.startMs),
    end_time: seconds(request.endMs),
    http: { request: { method: request.method, url: request.url }, response: { status: request.status } },
    ...(request.status >= 500 ? { fault: true } : request.status >= 400 ? { error: true } : {}),
    annotations: { request_id: request.requestId },
    subsegments: request.spans.map((span) => ({
      id: newId(),
      name: span.name,
      start_time: seconds(span.startMs),
      end_time: seconds(span.endMs),
    })),
  };
}

function newId(): string {
  return randomBytes(8).toString('hex');
}

function newTraceId(startMs: number): string {
  const epochSeconds = Math.floor(startMs / 1000)
    .toString(16)
    .padStart(8, '0');
  return `1-${epochSeconds}-${randomBytes(12).toString('hex')}`;
}
