import { type ChunkOptions, chunkSpans, chunkText } from './chunker';

/** Every non-blank character of `text` must fall inside a chunk, and chunks must move forward. */
function expectNothingLost(text: string, options: ChunkOptions = {}): void {
  const spans = chunkSpans(text, options);
  const covered = new Array<boolean>(text.length).fill(false);
  for (const [index, span] of spans.entries()) {
    for (let i = span.start; i < span.end; i += 1) covered[i] = true;
    const previous = spans[index - 1];
    if (previous !== undefined) {
      expect(span.start).toBeGreaterThan(previous.start);
      expect(span.end).toBeGreaterThan(previous.end);
    }
  }
  const lost = [...text].filter((char, i) => !covered[i] && /\S/.test(char));
  expect(lost).toEqual([]);
}

const paragraph = (label: string, sentences: number) =>
  Array.from({ length: sentences }, (_, i) => `${label} sentence number ${i} says something useful.`).join(
    ' ',
  );

describe('chunkText', () => {
  it('keeps a short text as one chunk, trimmed', () => {
    expect(chunkText('  Fargate runs containers.\n\n')).toEqual(['Fargate runs containers.']);
  });

  it('returns no chunks for blank text', () => {
    expect(chunkText('')).toEqual([]);
    expect(chunkText(' \n\n\t ')).toEqual([]);
  });

  it('cuts between paragraphs when whole paragraphs fit', () => {
    const first = paragraph('Alpha', 4);
    const second = paragraph('Beta', 4);
    const chunks = chunkText(`${first}\n\n${second}`, { size: 300, overlap: 0 });
    expect(chunks).toEqual([first, second]);
  });

  it('packs several small paragraphs into one chunk', () => {
    const text = 'One.\n\nTwo.\n\nThree.';
    expect(chunkText(text, { size: 100, overlap: 0 })).toEqual([text]);
  });

  it('treats Windows line endings as paragraph breaks', () => {
    const first = paragraph('Alpha', 3);
    const second = paragraph('Beta', 3);
    expect(chunkText(`${first}\r\n\r\n${second}`, { size: 200, overlap: 0 })).toEqual([first, second]);
  });

  it('cuts a long paragraph between sentences, never inside one', () => {
    const text = paragraph('Gamma', 20);
    const chunks = chunkText(text, { size: 200, overlap: 0 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(200);
      expect(chunk).toMatch(/^Gamma sentence/);
      expect(chunk).toMatch(/useful\.$/);
    }
    expectNothingLost(text, { size: 200, overlap: 0 });
  });

  it('cuts a long sentence between words', () => {
    const text = `${Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ')}.`;
    const chunks = chunkText(text, { size: 100, overlap: 0 });
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(100);
      expect(chunk).toMatch(/^word\d+/);
    }
    expectNothingLost(text, { size: 100, overlap: 0 });
  });

  it('cuts a word longer than the chunk size inside the word', () => {
    const word = 'x'.repeat(250);
    const chunks = chunkText(`start ${word} end`, { size: 100, overlap: 0 });
    expect(chunks.every((chunk) => chunk.length <= 100)).toBe(true);
    expect(chunks.join('').replace(/\s/g, '')).toBe(`start${word}end`);
  });

  it('repeats the tail of a chunk at the start of the next, from a word boundary', () => {
    const text = paragraph('Delta', 30);
    const chunks = chunkText(text, { size: 200, overlap: 50 });
    expect(chunks.length).toBeGreaterThan(2);
    for (const [index, chunk] of chunks.entries()) {
      expect(chunk.length).toBeLessThanOrEqual(200);
      const previous = chunks[index - 1];
      if (previous === undefined) continue;
      const firstWord = chunk.split(' ')[0]!;
      const shared = previous.slice(previous.length - 50);
      // The next chunk starts with text from the end of the previous one, on a whole word.
      expect(shared).toContain(chunk.slice(0, chunk.indexOf(' ', firstWord.length + 1)));
      expect(text).toContain(` ${chunk}`);
    }
    expectNothingLost(text, { size: 200, overlap: 50 });
  });

  it('never loses text with the default options on mixed input', () => {
    const text = [
      '# Title',
      paragraph('Epsilon', 15),
      `A list:\n- ${'item '.repeat(40)}\n- second`,
      'z'.repeat(1200),
      paragraph('Zeta', 3),
    ].join('\n\n');
    const chunks = chunkText(text);
    expect(chunks.every((chunk) => chunk.length <= 500 && chunk.trim() === chunk && chunk !== '')).toBe(true);
    expectNothingLost(text);
  });

  it('never loses text on generated input for several sizes and overlaps', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const separators = [' ', ' ', ' ', '. ', '! ', '\n', '\n\n', '\n \n\t'];
    for (let round = 0; round < 30; round += 1) {
      const parts = Array.from({ length: 200 }, () => {
        const word = 'abcdefghij'
          .slice(0, 1 + Math.floor(random() * 10))
          .repeat(1 + Math.floor(random() * 8));
        return word + separators[Math.floor(random() * separators.length)];
      });
      const size = 20 + Math.floor(random() * 300);
      const overlap = Math.floor(random() * (size / 2));
      const text = parts.join('');
      const chunks = chunkText(text, { size, overlap });
      expect(chunks.every((chunk) => chunk.length <= size && chunk.length > 0)).toBe(true);
      expectNothingLost(text, { size, overlap });
    }
  });

  it('rejects invalid options with a message naming the option', () => {
    expect(() => chunkText('text', { size: 5 })).toThrow(
      /chunk size must be an integer of at least 20, got 5/,
    );
    expect(() => chunkText('text', { size: 100.5 })).toThrow(/chunk size/);
    expect(() => chunkText('text', { size: 100, overlap: 60 })).toThrow(/chunk overlap .* got 60/);
    expect(() => chunkText('text', { overlap: -1 })).toThrow(/chunk overlap/);
  });
});
