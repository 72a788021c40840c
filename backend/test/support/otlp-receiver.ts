import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The parts of an OTLP span the tests look at (opentelemetry-proto trace/v1/trace.proto). */
export interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** SpanKind: 1 internal, 2 server, 3 client. */
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface OtlpReceiver {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT, on 127.0.0.1. */
  readonly url: string;
  readonly port: number;
  readonly spans: ReceivedSpan[];
  close(): Promise<void>;
}

/**
 * A collector stand-in on `host` (127.0.0.1 unless containers must reach it): accepts OTLP/HTTP protobuf exports on /v1/traces and keeps
 * the spans. It decodes only the fields above and skips every other field by its wire type.
 */
export async function startOtlpReceiver(host = '127.0.0.1'): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (
        req.method !== 'POST' ||
        req.url !== '/v1/traces' ||
        req.headers['content-type'] !== 'application/x-protobuf'
      ) {
        res.writeHead(404).end();
        return;
      }
      spans.push(...decodeExportRequest(Buffer.concat(chunks)));
      // An empty ExportTraceServiceResponse: everything accepted.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

type Field = { readonly number: number; readonly value: bigint | Buffer };

function* fields(message: Buffer): Generator<Field> {
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = message[offset++];
      if (byte === undefined) throw new Error('truncated protobuf varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
  };
  while (offset < message.length) {
    const key = Number(varint());
    const wireType = key & 7;
    const number = key >>> 3;
    if (wireType === 0) yield { number, value: varint() };
    else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4;
      yield { number, value: message.subarray(offset, offset + size) };
      offset += size;
    } else if (wireType === 2) {
      const length = Number(varint());
      yield { number, value: message.subarray(offset, offset + length) };
      offset += length;
    } else throw new Error(`unsupported protobuf wire type ${wireType}`);
  }
}

function children(message: Buffer, number: number): Buffer[] {
  return [...fields(message)]
    .filter((field) => field.number === number)
    .map((field) => field.value as Buffer);
}

/** KeyValue { key = 1; AnyValue value = 2 } with AnyValue { string_value = 1; int_value = 3; ... }. */
function attributes(keyValues: Buffer[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const keyValue of keyValues) {
    const key = children(keyValue, 1)[0]?.toString('utf8') ?? '';
    const value = children(keyValue, 2)[0];
    const anyValue = value === undefined ? undefined : [...fields(value)][0];
    result[key] =
      anyValue === undefined
        ? ''
        : Buffer.isBuffer(anyValue.value)
          ? anyValue.value.toString('utf8')
          : String(anyValue.value);
  }
  return result;
}

/** ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1 }. */
function decodeExportRequest(body: Buffer): ReceivedSpan[] {
  return children(body, 1).flatMap((resourceSpans) => {
    const resource = children(resourceSpans, 1)[0];
    const service = attributes(resource === undefined ? [] : children(resource, 1))['service.name'] ?? '';
    return children(resourceSpans, 2).flatMap((scopeSpans) =>
      children(scopeSpans, 2).map((span) => {
        const all = [...fields(span)];
        const bytes = (number: number) =>
          (all.find((field) => field.number === number)?.value as Buffer | undefined) ?? Buffer.alloc(0);
        return {
          service,
          traceId: bytes(1).toString('hex'),
          spanId: bytes(2).toString('hex'),
          parentSpanId: bytes(4).toString('hex'),
          name: bytes(5).toString('utf8'),
          kind: Number(all.find((field) => field.number === 6)?.value ?? 0n),
          attributes: attributes(children(span, 9)),
        };
      }),
    );
  });
}
