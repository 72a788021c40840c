import type { ChatTurn } from '../pipeline/types';
import { boundHistory, estimateTokens, exchangesToTurns } from './history';

const turn = (role: ChatTurn['role'], chars: number, letter = 'x'): ChatTurn => ({
  role,
  content: letter.repeat(chars),
});

describe('boundHistory', () => {
  it('keeps the most recent turns within the turn budget', () => {
    const turns = exchangesToTurns([
      { question: 'q1', answer: 'a1' },
      { question: 'q2', answer: 'a2' },
      { question: 'q3', answer: 'a3' },
    ]);
    expect(boundHistory(turns, { maxTurns: 3, maxTokens: 1000 }).map((t) => t.content)).toEqual([
      'a2',
      'q3',
      'a3',
    ]);
    expect(boundHistory(turns, { maxTurns: 0, maxTokens: 1000 })).toEqual([]);
  });

  it('drops older turns once the token estimate is spent, however few turns there are', () => {
    const turns = [
      turn('user', 400, 'a'),
      turn('assistant', 400, 'b'),
      turn('user', 40, 'c'),
      turn('assistant', 400, 'd'),
    ];
    // 100 + 10 tokens fit in 150; the next 100 would not, and 40 left is still worth a cut turn.
    const kept = boundHistory(turns, { maxTurns: 10, maxTokens: 150 });
    expect(kept.map((t) => t.role)).toEqual(['assistant', 'user', 'assistant']);
    expect(kept[0]?.content.startsWith('bbbb')).toBe(true);
    expect(kept[0]?.content.endsWith('…')).toBe(true);
    expect(kept.reduce((sum, t) => sum + estimateTokens(t.content), 0)).toBeLessThanOrEqual(150);
  });

  it('sends nothing older than a turn that did not fit', () => {
    const turns = [turn('user', 40, 'a'), turn('assistant', 4000, 'b'), turn('user', 40, 'c')];
    const kept = boundHistory(turns, { maxTurns: 10, maxTokens: 30 });
    expect(kept.map((t) => t.content)).toEqual(['c'.repeat(40)]);
  });

  it('estimates about four characters per token', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcd')).toBe(1);
    expect(estimateTokens('abcde')).toBe(2);
  });
});
