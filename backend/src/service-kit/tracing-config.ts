import { ConfigError } from './config-error';

/** Where a service sends its traces; both services read it from the same variables. */
export type TracingConfig =
  | { readonly exporter: 'none' }
  | {
      /** OTLP/HTTP to the ADOT collector sidecar, which forwards to X-Ray. */
      readonly exporter: 'otlp';
      readonly endpoint: string;
      /** Share of requests traced when the caller's trace header did not already decide. */
      readonly sampleRate: number;
    };

export const DEFAULT_OTLP_ENDPOINT = 'http://127.0.0.1:4318';
export const DEFAULT_TRACE_SAMPLE_RATE = 0.05;

/**
 * OTEL_EXPORTER (`none` | `otlp`, default none), OTEL_EXPORTER_OTLP_ENDPOINT, TRACE_SAMPLE_RATE.
 * Unset and blank mean the default.
 */
export function parseTracingConfig(env: Readonly<Record<string, string | undefined>>): TracingConfig {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const exporter = read('OTEL_EXPORTER') ?? 'none';
  if (exporter === 'none') return { exporter };
  if (exporter !== 'otlp')
    throw new ConfigError('OTEL_EXPORTER', `must be one of none, otlp, got "${exporter}"`);
  const endpoint = read('OTEL_EXPORTER_OTLP_ENDPOINT') ?? DEFAULT_OTLP_ENDPOINT;
  if (!/^https?:\/\/[^/]/.test(endpoint)) {
    throw new ConfigError('OTEL_EXPORTER_OTLP_ENDPOINT', `must be an http(s) URL, got "${endpoint}"`);
  }
  const rate = read('TRACE_SAMPLE_RATE');
  const sampleRate = rate === undefined ? DEFAULT_TRACE_SAMPLE_RATE : Number(rate);
  if (!Number.isFinite(sampleRate) || sampleRate < 0 || sampleRate > 1) {
    throw new ConfigError('TRACE_SAMPLE_RATE', `must be a number from 0 to 1, got "${rate}"`);
  }
  return { exporter, endpoint, sampleRate };
}
