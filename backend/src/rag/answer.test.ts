import type { AnswerRequest, Generator, Providers, RetrievedChunk } from '../pipeline/types';
import type { RetrieveRequest, RetrieveResult } from '../retrieval/retrieve';
import { type AnswerDeps, answerQuery, EXCERPT_CHARS, type QueryInput, toSourceView } from './answer';

const CHUNK: RetrievedChunk = {
  chunkId: 'c1',
  documentId: 'd1',
  title: 'Fargate',
  content: 'Fargate runs containers.',
  score: 0.123456,
  metadata: {},
};

const INPUT: QueryInput = { query: 'What is Fargate?', topK: 3, history: [], filter: undefined };

function providers(generator: Generator): Providers {
  return { mode: 'local', embedder: { model: 'e', embed: async () => [] }, generator };
}

function wordsGenerator(words: string[], seen: AnswerRequest[] = []): Generator {
  return {
    model: 'g',
    async *streamAnswer(request) {
      seen.push(request);
      yield* words;
    },
  };
}

/** A clock that advances 10 ms per reading, so timings are exact. */
function steppingClock(start = 1_000): () => number {
  let now = start - 10;
  return () => {
    now += 10;
    return now;
  };
}

function deps(overrides: Partial<AnswerDeps> = {}): AnswerDeps & { requests: RetrieveRequest[] } {
  const requests: RetrieveRequest[] = [];
  return {
    providers: providers(wordsGenerator(['Fargate ', 'runs ', 'containers [1].'])),
    retrieve: async (request: RetrieveRequest): Promise<RetrieveResult> => {
      requests.push(request);
      return { chunks: [CHUNK], timings: { embeddingMs: 1.234, retrievalMs: 5.678 } };
    },
    minScore: 0.2,
    now: steppingClock(),
    requests,
    ...overrides,
  };
}

const neverAborted = new AbortController().signal;

describe('answerQuery', () => {
  it('retrieves, reports sources, then streams tokens, and returns the whole answer with timings', async () => {
    const calls: string[] = [];
    const seen: AnswerRequest[] = [];
    const setup = deps({ providers: providers(wordsGenerator(['Fargate ', 'runs.'], seen)) });
    const outcome = await answerQuery(setup, { ...INPUT, filter: { topic: 'ecs' } }, neverAborted, {
      onSources: (sources) => {
        calls.push(`sources:${sources.length}`);
      },
      onToken: (text) => {
        calls.push(`token:${text}`);
      },
    });
    expect(calls).toEqual(['sources:1', 'token:Fargate ', 'token:runs.']);
    expect(outcome.answer).toBe('Fargate runs.');
    expect(outcome.sources).toEqual([
      {
        documentId: 'd1',
        chunkId: 'c1',
        title: 'Fargate',
        excerpt: 'Fargate runs containers.',
        score: 0.1235,
      },
    ]);
    expect(setup.requests).toEqual([
      { query: 'What is Fargate?', topK: 3, minScore: 0.2, filter: { topic: 'ecs' } },
    ]);
    expect(seen[0]).toMatchObject({ question: 'What is Fargate?', sources: [CHUNK], history: [] });
    // Clock readings: start 1000, generation start 1010, end 1020.
    expect(outcome.timings).toEqual({ embeddingMs: 1.23, retrievalMs: 5.68, generationMs: 10, totalMs: 20 });
  });

  it('searches a follow-up together with the previous user question', async () => {
    const setup = deps();
    await answerQuery(
      setup,
      {
        ...INPUT,
        query: 'And its price?',
        history: [
          { role: 'user', content: 'What is Fargate?' },
          { role: 'assistant', content: 'A container engine [1].' },
        ],
      },
      neverAborted,
      { onSources: () => {}, onToken: () => {} },
    );
    expect(setup.requests[0]?.query).toBe('What is Fargate?\nAnd its price?');
    expect(setup.requests[0]).not.toHaveProperty('filter');
  });

  it('rejects with the abort reason while retrieval hangs, before any source is reported', async () => {
    const controller = new AbortController();
    const onSources = jest.fn();
    const setup = deps({ retrieve: () => new Promise(() => undefined) });
    const answering = answerQuery(setup, INPUT, controller.signal, { onSources, onToken: () => {} });
    const reason = new Error('budget exhausted');
    controller.abort(reason);
    await expect(answering).rejects.toBe(reason);
    expect(onSources).not.toHaveBeenCalled();
  });

  it('stops a generator that ignores the signal and closes it', async () => {
    const controller = new AbortController();
    let closed = false;
    const stubborn: Generator = {
      model: 'g',
      streamAnswer: () => ({
        [Symbol.asyncIterator]: () => ({
          next: () => new Promise<IteratorResult<string>>(() => undefined),
          return: async () => {
            closed = true;
            return { done: true, value: undefined };
          },
        }),
      }),
    };
    const tokens: string[] = [];
    const answering = answerQuery(deps({ providers: providers(stubborn) }), INPUT, controller.signal, {
      onSources: () => controller.abort(new Error('client left')),
      onToken: (text) => {
        tokens.push(text);
      },
    });
    await expect(answering).rejects.toThrow('client left');
    expect(closed).toBe(true);
    expect(tokens).toEqual([]);
  });

  it('propagates a generator failure after the tokens it produced', async () => {
    const failing: Generator = {
      model: 'g',
      async *streamAnswer() {
        yield 'partial ';
        throw new Error('stream broke');
      },
    };
    const tokens: string[] = [];
    await expect(
      answerQuery(deps({ providers: providers(failing) }), INPUT, neverAborted, {
        onSources: () => {},
        onToken: (text) => {
          tokens.push(text);
        },
      }),
    ).rejects.toThrow('stream broke');
    expect(tokens).toEqual(['partial ']);
  });
});

describe('toSourceView', () => {
  it('shortens long content at a word boundary and collapses whitespace', () => {
    const content = `${'word '.repeat(100)}\n\nend`;
    const view = toSourceView({ ...CHUNK, content });
    expect(view.excerpt.length).toBeLessThanOrEqual(EXCERPT_CHARS + 1);
    expect(view.excerpt.endsWith('word…')).toBe(true);
    expect(view.excerpt).not.toContain('\n');
    expect(view.excerpt).not.toContain('  ');
  });

  it('gives the excerpt of the whole collapsed text whatever its length and whitespace', () => {
    const wholeTextExcerpt = (content: string) => {
      const text = content.replace(/\s+/g, ' ').trim();
      if (text.length <= EXCERPT_CHARS) return text;
      const cut = text.slice(0, EXCERPT_CHARS);
      const lastSpace = cut.lastIndexOf(' ');
      return `${(lastSpace > EXCERPT_CHARS / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
    };
    let seed = 17;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pieces = ['a', 'word', 'x'.repeat(30), ' ', '  ', '\n\n', '\t', ' '.repeat(300)];
    for (let sample = 0; sample < 2000; sample += 1) {
      const length = Math.floor(random() * 120);
      const content = Array.from({ length }, () => pieces[Math.floor(random() * pieces.length)]).join('');
      expect(toSourceView({ ...CHUNK, content }).excerpt).toBe(wholeTextExcerpt(content));
    }
  });
});
