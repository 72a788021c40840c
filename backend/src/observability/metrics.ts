import type { Logger } from '../service-kit/logger';

export interface QueryTimings {
  readonly embeddingMs: number;
  readonly retrievalMs: number;
  readonly generationMs: number;
  readonly totalMs: number;
}

/** Shared with the infra dashboards and alarms (infra/src/constructs/monitoring). */
export const METRICS_NAMESPACE = 'Ragchat';

const METRICS: ReadonlyArray<readonly [keyof QueryTimings, string]> = [
  ['embeddingMs', 'EmbeddingLatency'],
  ['retrievalMs', 'RetrievalLatency'],
  ['generationMs', 'GenerationLatency'],
  ['totalMs', 'QueryLatency'],
];

/**
 * Logs the timings of one answered query as a CloudWatch Embedded Metric Format line, so CloudWatch
 * turns the log line into metrics with no agent or API call: per environment (what the dashboards
 * read) and per environment and provider mode.
 */
export function emitQueryMetrics(
  logger: Logger,
  metrics: {
    readonly environment: string;
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
          Dimensions: [['Environment'], ['Environment', 'Mode']],
          Metrics: METRICS.map(([, Name]) => ({ Name, Unit: 'Milliseconds' })),
        },
      ],
    },
    Environment: metrics.environment,
    Mode: metrics.mode,
    Outcome: metrics.outcome,
    ...values,
  });
}

/**
 * Logs one answer rating as EMF: `PositiveFeedback` and `NegativeFeedback` are 1 or 0, so their
 * Sum counts each kind and the Average of `PositiveFeedback` is the share of thumbs up.
 */
export function emitFeedbackMetrics(
  logger: Logger,
  metrics: { readonly environment: string; readonly rating: 'up' | 'down'; readonly timestamp: number },
): void {
  logger.info('feedback metrics', {
    _aws: {
      Timestamp: metrics.timestamp,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [['Environment']],
          Metrics: [
            { Name: 'PositiveFeedback', Unit: 'Count' },
            { Name: 'NegativeFeedback', Unit: 'Count' },
          ],
        },
      ],
    },
    Environment: metrics.environment,
    Rating: metrics.rating,
    PositiveFeedback: metrics.rating === 'up' ? 1 : 0,
    NegativeFeedback: metrics.rating === 'down' ? 1 : 0,
  });
}
