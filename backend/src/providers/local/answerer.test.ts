import type { AnswerRequest, RetrievedChunk } from '../../pipeline/types';
import { composeAnswer, createExtractiveAnswerer, NOTHING_RELEVANT } from './answerer';

function source(title: string, content: string, score = 0.5): RetrievedChunk {
  return { chunkId: `c-${title}`, documentId: `d-${title}`, title, content, score, metadata: {} };
}

const SOURCES = [
  source(
    'Fargate',
    'AWS Fargate runs containers without managing servers. You pay per vCPU and memory second.',
  ),
  source(
    'pgvector',
    'The pgvector extension adds a vector type to PostgreSQL. An HNSW index makes nearest-neighbour search fast.',
  ),
];

async function collect(request: AnswerRequest): Promise<string[]> {
  const tokens: string[] = [];
  for await (const token of createExtractiveAnswerer().streamAnswer(request)) tokens.push(token);
  return tokens;
}

describe('extractive answerer', () => {
  it('quotes the matching sentences with the citation of their source', () => {
    const answer = composeAnswer({ question: 'What does an HNSW index do?', history: [], sources: SOURCES });
    expect(answer).toBe('An HNSW index makes nearest-neighbour search fast. [2]');
    expect(answer).not.toContain('[1]');
  });

  it('cites several sources when several sentences match, best first', () => {
    const answer = composeAnswer({
      question: 'How do containers and vectors work?',
      history: [],
      sources: SOURCES,
    });
    expect(answer).toContain('AWS Fargate runs containers without managing servers. [1]');
    expect(answer).toContain('[2]');
  });

  it("says it doesn't know when there are no sources or nothing matches", () => {
    expect(composeAnswer({ question: 'What is Fargate?', history: [], sources: [] })).toBe(NOTHING_RELEVANT);
    expect(composeAnswer({ question: 'Who won the 1998 world cup?', history: [], sources: SOURCES })).toBe(
      NOTHING_RELEVANT,
    );
    expect(NOTHING_RELEVANT).toMatch(/^I don't know/);
  });

  it('keeps the topic of the previous question for a follow-up', () => {
    const followUp = { question: 'And what does it cost?', sources: SOURCES };
    expect(composeAnswer({ ...followUp, history: [] })).toBe(NOTHING_RELEVANT);
    const answer = composeAnswer({
      ...followUp,
      history: [
        { role: 'user', content: 'What is Fargate?' },
        { role: 'assistant', content: 'It runs containers [1].' },
      ],
    });
    expect(answer).toBe('AWS Fargate runs containers without managing servers. [1]');
  });

  it('streams the answer word by word, and the words join back into the answer', async () => {
    const request = { question: 'What does an HNSW index do?', history: [], sources: SOURCES };
    const tokens = await collect(request);
    expect(tokens.length).toBeGreaterThan(5);
    expect(tokens.join('')).toBe(composeAnswer(request));
  });

  it('stops streaming once the request is aborted', async () => {
    const controller = new AbortController();
    const tokens: string[] = [];
    const stream = createExtractiveAnswerer().streamAnswer({
      question: 'What does an HNSW index do?',
      history: [],
      sources: SOURCES,
      signal: controller.signal,
    });
    await expect(
      (async () => {
        for await (const token of stream) {
          tokens.push(token);
          controller.abort(new Error('client disconnected'));
        }
      })(),
    ).rejects.toThrow('client disconnected');
    expect(tokens).toHaveLength(1);
  });
});

describe('sentence selection', () => {
  it('quotes only whole sentences, without headings, list markers or markdown emphasis', () => {
    const chunk = source(
      'Markdown',
      [
        'and then the fragment from the previous chunk ends here about HNSW indexes.',
        '',
        '# HNSW indexes',
        '',
        'An **HNSW** index builds a layered',
        'graph over the `vectors`.',
        '',
        '- HNSW indexes have three knobs:',
        '- The HNSW index trades recall for speed',
        '',
        'pgvector stores HNSW indexes like any other index.',
      ].join('\n'),
    );
    const answer = composeAnswer({ question: 'What do HNSW indexes do?', history: [], sources: [chunk] });
    expect(answer).toBe(
      'An HNSW index builds a layered graph over the vectors. [1] pgvector stores HNSW indexes like any other index. [1]',
    );
  });
});
