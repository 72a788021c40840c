import { lexicalRelevance } from './lexical-relevance';
import { rankCandidates } from './side-rankings';

const row = (chunk_id: string, similarity: number | null, text_score: number | null) => ({
  chunk_id,
  similarity,
  text_score,
});

describe('rankCandidates', () => {
  it('ranks each side by its own score, best first, clamping similarity to [0, 1]', () => {
    const { vector, lexical } = rankCandidates([row('a', 0.2, 0.5), row('b', 1.2, null), row('c', null, 2)]);
    expect(vector).toEqual([
      { id: 'b', relevance: 1 },
      { id: 'a', relevance: 0.2 },
    ]);
    expect(lexical).toEqual([
      { id: 'c', relevance: lexicalRelevance(2) },
      { id: 'a', relevance: lexicalRelevance(0.5) },
    ]);
  });

  it("breaks a tie by the other side's score, then by chunk id, whatever order the rows come in", () => {
    const rows = [
      row('d', null, 1),
      row('c', 0.1, 1),
      row('b', 0.7, 1),
      row('a', null, 1),
      row('e', 0.5, 0.2),
    ];
    const expected = ['b', 'c', 'a', 'd', 'e'];
    expect(rankCandidates(rows).lexical.map(({ id }) => id)).toEqual(expected);
    expect(rankCandidates([...rows].reverse()).lexical.map(({ id }) => id)).toEqual(expected);
    const vectorTies = [row('x', 0.5, null), row('y', 0.5, 0.1), row('w', 0.5, null)];
    expect(rankCandidates(vectorTies).vector.map(({ id }) => id)).toEqual(['y', 'w', 'x']);
  });

  it("merges a chunk's vector row and lexical row (two statements) into one candidate per side", () => {
    const twoStatements = rankCandidates([
      row('a', 0.9, null),
      row('b', 0.4, null),
      row('b', null, 1),
      row('a', null, 0.3),
    ]);
    const oneStatement = rankCandidates([row('b', 0.4, 1), row('a', 0.9, 0.3)]);
    expect(twoStatements).toEqual(oneStatement);
  });
});
