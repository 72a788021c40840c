import { MAX_HISTORY_TURNS, withExchange } from '../../src/browser/history';

describe('withExchange', () => {
  test('appends the question and answer in order', () => {
    expect(withExchange([], 'What is RAG?', 'Retrieval-augmented generation.')).toEqual([
      { role: 'user', content: 'What is RAG?' },
      { role: 'assistant', content: 'Retrieval-augmented generation.' },
    ]);
  });

  test('keeps only the most recent turns, dropping whole exchanges from the start', () => {
    let history = withExchange([], 'q0', 'a0');
    for (let index = 1; index < 10; index += 1) history = withExchange(history, `q${index}`, `a${index}`);

    expect(history).toHaveLength(MAX_HISTORY_TURNS);
    expect(history[0]).toEqual({ role: 'user', content: `q${10 - MAX_HISTORY_TURNS / 2}` });
    expect(history.at(-1)).toEqual({ role: 'assistant', content: 'a9' });
    expect(history.map((turn) => turn.content)).not.toContain('q0');
  });

  test('does not modify the history it was given', () => {
    const before = withExchange([], 'q', 'a');
    withExchange(before, 'q2', 'a2');

    expect(before).toHaveLength(2);
  });
});
