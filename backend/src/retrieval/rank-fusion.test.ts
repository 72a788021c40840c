import { fuseRankings } from './rank-fusion';

const list = (...ids: string[]) => ids.map((id) => ({ id, relevance: 1 }));

describe('fuseRankings', () => {
  it('is classic RRF when every relevance is 1', () => {
    const fused = fuseRankings([list('a', 'b', 'c'), list('c', 'a')], 60);
    const best = 2 / 61;
    expect(fused).toEqual([
      { id: 'a', score: expect.closeTo((1 / 61 + 1 / 62) / best, 12) },
      { id: 'c', score: expect.closeTo((1 / 63 + 1 / 61) / best, 12) },
      { id: 'b', score: expect.closeTo(1 / 62 / best, 12) },
    ]);
  });

  it('gives 1 to a candidate first in every list with full relevance, and keeps scores in [0, 1]', () => {
    const fused = fuseRankings([list('a', 'b'), list('a', 'c'), list('a')]);
    expect(fused[0]).toEqual({ id: 'a', score: 1 });
    expect(fused.every(({ score }) => score >= 0 && score <= 1)).toBe(true);
  });

  it('ranks agreement between lists above a single first place', () => {
    const fused = fuseRankings([list('solo', 'both'), list('x', 'y', 'both')]);
    expect(fused.map(({ id }) => id)).toEqual(['both', 'solo', 'x', 'y']);
  });

  it('scales each contribution by its relevance so weak first places score low', () => {
    const fused = fuseRankings([[{ id: 'weak', relevance: 0.1 }], []]);
    expect(fused).toEqual([{ id: 'weak', score: expect.closeTo(0.05, 12) }]);
  });

  it('counts a duplicate within one list once, at its better rank', () => {
    const fused = fuseRankings([[...list('a', 'b'), { id: 'a', relevance: 1 }]], 1);
    expect(fused).toEqual([
      { id: 'a', score: 1 },
      { id: 'b', score: expect.closeTo(2 / 3, 12) },
    ]);
  });

  it('keeps first-appearance order for ties', () => {
    expect(fuseRankings([list('p', 'q'), list('q', 'p')]).map(({ id }) => id)).toEqual(['p', 'q']);
  });

  it('returns nothing for no lists or empty lists', () => {
    expect(fuseRankings([])).toEqual([]);
    expect(fuseRankings([[], []])).toEqual([]);
  });

  it('rejects relevance outside [0, 1] and a non-positive k', () => {
    expect(() => fuseRankings([[{ id: 'a', relevance: 1.5 }]])).toThrow(
      'relevance must be in [0, 1], got 1.5 for a',
    );
    expect(() => fuseRankings([[{ id: 'a', relevance: Number.NaN }]])).toThrow('relevance must be in [0, 1]');
    expect(() => fuseRankings([list('a')], 0)).toThrow('k must be a positive number, got 0');
  });
});
