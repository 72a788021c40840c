import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation, KoaLayerType } from '@opentelemetry/instrumentation-koa';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node';

/** What a service may ask to have traced; each name maps to one OpenTelemetry instrumentation. */
export type InstrumentedLibrary = 'http' | 'koa' | 'pg' | 'aws-sdk';

export interface TracingOptions {
  /** `service.name` of every span, the node name in the X-Ray trace map. */
  readonly serviceName: string;
  /** Base URL of the collector's OTLP/HTTP receiver; spans go to `<endpoint>/v1/traces`. */
  readonly endpoint: string;
  /** Share of new traces recorded; a caller's sampling decision (ALB, frontend) is followed. */
  readonly sampleRate: number;
  readonly instrument: readonly InstrumentedLibrary[];
}

export interface Tracing {
  /** Sends the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry with X-Ray trace ids and the `X-Amzn-Trace-Id` propagator, exporting
 * OTLP/HTTP protobuf to the ADOT collector. Call it before the instrumented libraries are
 * required: instrumentations patch modules as they load. Local mode never imports this module.
 */
export function startTracing(options: TracingOptions): Tracing {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    idGenerator: new AWSXRayIdGenerator(),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRate) }),
    spanProcessors: [
      new BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/$/, '')}/v1/traces` }),
      ),
    ],
  });
  provider.register({ propagator: new AWSXRayPropagator() });
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: options.instrument.map(instrumentation),
  });
  return { shutdown: () => provider.shutdown() };
}

function instrumentation(library: InstrumentedLibrary): Instrumentation {
  switch (library) {
    case 'http':
      return new HttpInstrumentation();
    case 'koa':
      // One span per matched route; a span per middleware would bury the pipeline's own spans.
      return new KoaInstrumentation({ ignoreLayersType: [KoaLayerType.MIDDLEWARE] });
    case 'pg':
      // Queries outside a request (migrations, sweeps) start no trace of their own.
      return new PgInstrumentation({ requireParentSpan: true });
    case 'aws-sdk':
      return new AwsInstrumentation();
  }
}
