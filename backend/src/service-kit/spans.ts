import { SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('ragchat');

/**
 * Runs `work` as the active span `name`, so spans started inside (queries, model calls) are its
 * children. Without a started tracing SDK the API is a no-op and this just runs `work`.
 */
export async function inSpan<T>(name: string, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * The active trace's id in X-Ray form (`1-<8 hex>-<24 hex>`), which CloudWatch uses to join log
 * lines to traces; undefined when nothing is being traced.
 */
export function activeXRayTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  if (context === undefined || !trace.isSpanContextValid(context)) return undefined;
  return `1-${context.traceId.slice(0, 8)}-${context.traceId.slice(8)}`;
}
