import type { Embedder } from '../../src/pipeline/types';
import { createLocalProviders } from '../../src/providers/local';
import { adminHeaders, postJson, STARTUP_TIMEOUT_MS, startTestApp, type TestApp } from './harness';

const LIMIT = 3;

/** The local embedder, a little slower, counting how many calls overlap. */
function countingEmbedder(): Embedder & { maxInFlight: () => number } {
  const local = createLocalProviders().embedder;
  let inFlight = 0;
  let max = 0;
  return {
    model: local.model,
    maxInFlight: () => max,
    async embed(text, signal) {
      inFlight += 1;
      max = Math.max(max, inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return await local.embed(text, signal);
      } finally {
        inFlight -= 1;
      }
    },
  };
}

function longDocument(topic: string): string {
  return Array.from(
    { length: 12 },
    (_, paragraph) =>
      `${topic} part ${paragraph}. ${'A sentence about the topic in plain words. '.repeat(10)}`,
  ).join('\n\n');
}

describe('uploads share one embedding limit', () => {
  let app: TestApp;
  const embedder = countingEmbedder();

  beforeAll(async () => {
    app = await startTestApp({
      env: { UPLOAD_EMBEDDING_CONCURRENCY: String(LIMIT) },
      seed: false,
      providers: () => ({ ...createLocalProviders(), embedder }),
    });
  }, STARTUP_TIMEOUT_MS);

  afterAll(() => app?.close());

  it('never has more than UPLOAD_EMBEDDING_CONCURRENCY embedding calls in flight across parallel uploads', async () => {
    const responses = await Promise.all(
      ['alpha', 'beta', 'gamma', 'delta'].map((topic) =>
        postJson(`${app.url}/api/documents`, { title: topic, content: longDocument(topic) }, adminHeaders),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual([201, 201, 201, 201]);
    const chunks = await Promise.all(
      responses.map(async (response) => ((await response.json()) as { chunks: number }).chunks),
    );
    expect(chunks.every((count) => count > LIMIT)).toBe(true);
    expect(embedder.maxInFlight()).toBe(LIMIT);
  });
});
