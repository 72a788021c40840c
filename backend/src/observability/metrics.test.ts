import { createLogger } from '../service-kit/logger';
import { emitFeedbackMetrics, emitQueryMetrics, METRICS_NAMESPACE } from './metrics';

describe('emitQueryMetrics', () => {
  it('logs one Embedded Metric Format line whose declared metrics all have values', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (line) => lines.push(line) }).child({
      requestId: 'r-9',
    });
    emitQueryMetrics(logger, {
      environment: 'staging',
      mode: 'local',
      outcome: 'ok',
      timestamp: 1_700_000_000_000,
      timings: { embeddingMs: 1.5, retrievalMs: 2, generationMs: 30, totalMs: 34 },
    });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown> & {
      _aws: {
        Timestamp: number;
        CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
      };
    };
    const directive = line._aws.CloudWatchMetrics[0];
    expect(line._aws.Timestamp).toBe(1_700_000_000_000);
    expect(directive?.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive?.Dimensions).toEqual([['Environment'], ['Environment', 'Mode']]);
    expect(line).toMatchObject({ Environment: 'staging', Mode: 'local', Outcome: 'ok' });
    for (const dimension of directive?.Dimensions.flat() ?? []) expect(typeof line[dimension]).toBe('string');
    expect(directive?.Metrics.map((metric) => [metric.Name, line[metric.Name]])).toEqual([
      ['EmbeddingLatency', 1.5],
      ['RetrievalLatency', 2],
      ['GenerationLatency', 30],
      ['QueryLatency', 34],
    ]);
    expect(line.requestId).toBe('r-9');
  });
});

describe('emitFeedbackMetrics', () => {
  it.each([
    ['up', 1, 0],
    ['down', 0, 1],
  ] as const)(
    'counts a thumbs %s as PositiveFeedback %d, NegativeFeedback %d',
    (rating, positive, negative) => {
      const lines: string[] = [];
      const logger = createLogger({ level: 'info', write: (line) => lines.push(line) });
      emitFeedbackMetrics(logger, { environment: 'prod', rating, timestamp: 1_700_000_000_000 });
      const line = JSON.parse(lines[0] ?? '') as Record<string, unknown> & {
        _aws: {
          CloudWatchMetrics: {
            Namespace: string;
            Dimensions: string[][];
            Metrics: { Name: string; Unit: string }[];
          }[];
        };
      };
      const directive = line._aws.CloudWatchMetrics[0];
      expect(directive?.Namespace).toBe(METRICS_NAMESPACE);
      expect(directive?.Dimensions).toEqual([['Environment']]);
      expect(directive?.Metrics.map((metric) => [metric.Name, metric.Unit, line[metric.Name]])).toEqual([
        ['PositiveFeedback', 'Count', positive],
        ['NegativeFeedback', 'Count', negative],
      ]);
      expect(line).toMatchObject({ Environment: 'prod', Rating: rating });
    },
  );
});
