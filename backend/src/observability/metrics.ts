import type { Logger } from './logger';

export interface QueryTimings {
  readonly embeddingMs: number;
  readonly retrievalMs: number;
  readonly generationMs: number;
  readonly totalMs: number;
}

export const METRICS_NAMESPACE = 'ragchat/backend';

const METRICS: ReadonlyArray<readonly [keyof QueryTimings, string]> = [
  ['embeddingMs', 'EmbeddingLatency'],
  ['retrievalMs', 'RetrievalLatency'],
  ['generationMs', 'GenerationLatency'],
  ['totalMs', 'QueryLatency'],
];

/**
 * Logs the timings of one answered query as a CloudWatch Embedded Metric Format line, so CloudWatch
 * turns the log line into metrics (dimension: provider mode) with no agent or API call.
 */
export function emitQueryMetrics(
  logger: Logger,
  metrics: {
    readonly mode: string;
    readonly outcome: string;
    readonly timings: QueryTimings;
    readonly timestamp: number;
  },
): void {
  const values: Record<string, number> = {};
  for (const [key, name] of METRICS) values[name] = metrics.timings[key];
  logger.info('query metrics', {
    _aws: {
      Timestamp: metrics.timestamp,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [['Mode']],
          Metrics: METRICS.map(([, Name]) => ({ Name, Unit: 'Milliseconds' })),
        },
      ],
    },
    Mode: metrics.mode,
    Outcome: metrics.outcome,
    ...values,
  });
}
