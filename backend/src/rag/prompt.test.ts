import type { RetrievedChunk } from '../pipeline/types';
import { buildPrompt, I_DONT_KNOW } from './prompt';

function chunk(title: string, content: string): RetrievedChunk {
  return { chunkId: `c-${title}`, documentId: `d-${title}`, title, content, score: 0.5, metadata: {} };
}

describe('buildPrompt', () => {
  it('numbers the sources in order so source i is cited as [i + 1]', () => {
    const prompt = buildPrompt({
      question: 'What is HNSW?',
      history: [],
      sources: [chunk('Vectors', 'HNSW is a graph index.'), chunk('Fargate', 'Fargate runs containers.')],
    });
    expect(prompt.system).toContain('[1] Vectors\nHNSW is a graph index.');
    expect(prompt.system).toContain('[2] Fargate\nFargate runs containers.');
    expect(prompt.system).not.toMatch(/^\[3\]/m);
    expect(prompt.system).toContain('square brackets');
    expect(prompt.system).toContain(I_DONT_KNOW);
    expect(prompt.system).not.toContain('No sources were found');
    expect(prompt.messages).toEqual([{ role: 'user', content: 'What is HNSW?' }]);
  });

  it('tells the model to say it does not know when nothing was retrieved', () => {
    const prompt = buildPrompt({ question: 'Who won?', history: [], sources: [] });
    expect(prompt.system).toContain(
      `No sources were found for this question, so reply exactly "${I_DONT_KNOW}."`,
    );
    expect(prompt.system).not.toContain('Sources:');
  });

  it('puts the history before the question, oldest first', () => {
    const prompt = buildPrompt({
      question: 'And its cost?',
      history: [
        { role: 'user', content: 'What is Fargate?' },
        { role: 'assistant', content: 'A serverless container engine [1].' },
      ],
      sources: [chunk('Fargate', 'Fargate runs containers.')],
    });
    expect(prompt.messages).toEqual([
      { role: 'user', content: 'What is Fargate?' },
      { role: 'assistant', content: 'A serverless container engine [1].' },
      { role: 'user', content: 'And its cost?' },
    ]);
  });

  it('drops leading assistant turns and blank turns and merges repeated roles', () => {
    const prompt = buildPrompt({
      question: 'third',
      history: [
        { role: 'assistant', content: 'Hello, ask me anything.' },
        { role: 'user', content: 'first' },
        { role: 'user', content: '   ' },
        { role: 'user', content: 'second' },
        { role: 'assistant', content: '' },
      ],
      sources: [],
    });
    expect(prompt.messages).toEqual([{ role: 'user', content: 'first\n\nsecond\n\nthird' }]);
  });
});
