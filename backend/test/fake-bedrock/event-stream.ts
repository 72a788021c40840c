import { EventStreamCodec } from '@smithy/eventstream-codec';

/** One frame of a ConverseStream response, as Bedrock puts it on the wire. */
export type StreamFrame =
  | { readonly kind: 'event'; readonly eventType: string; readonly payload: unknown }
  /** `exceptionType` is the union member name, e.g. `throttlingException`, `modelStreamErrorException`. */
  | { readonly kind: 'exception'; readonly exceptionType: string; readonly message: string };

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString('utf8'),
  (text) => Buffer.from(text, 'utf8'),
);

function jsonBody(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Encodes a frame with the binary `application/vnd.amazon.eventstream` framing and headers. */
export function encodeFrame(frame: StreamFrame): Uint8Array {
  if (frame.kind === 'event') {
    return codec.encode({
      headers: {
        ':event-type': { type: 'string', value: frame.eventType },
        ':content-type': { type: 'string', value: 'application/json' },
        ':message-type': { type: 'string', value: 'event' },
      },
      body: jsonBody(frame.payload),
    });
  }
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: frame.exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: jsonBody({ message: frame.message }),
  });
}
