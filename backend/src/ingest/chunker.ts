export interface ChunkOptions {
  /** Largest chunk, in characters. */
  readonly size?: number;
  /** Characters of the previous chunk repeated at the start of the next, so context spans the cut. */
  readonly overlap?: number;
}

export const DEFAULT_CHUNK_SIZE = 500;
export const DEFAULT_CHUNK_OVERLAP = 50;
const MIN_CHUNK_SIZE = 20;

/** A half-open character range `[start, end)` of the input. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * Splits text into chunks of at most `size` characters, preferring to cut between paragraphs, then
 * between sentences, then between words (a word longer than `size` is cut inside). Every chunk is an
 * exact slice of the input, and every non-blank character lands in at least one chunk. Consecutive
 * chunks share up to `overlap` characters, starting on a word boundary.
 */
export function chunkText(text: string, options: ChunkOptions = {}): string[] {
  return chunkSpans(text, options).map(({ start, end }) => text.slice(start, end));
}

/** Where chunkText cuts: the chunks as ranges of `text`, in order. */
export function chunkSpans(text: string, options: ChunkOptions = {}): Span[] {
  const { size, overlap } = validateOptions(options);
  const pieces = splitIntoPieces(text, size);
  const chunks: Span[] = [];
  let current: Span | undefined;
  for (const piece of pieces) {
    if (current === undefined) {
      current = piece;
    } else if (piece.end - current.start <= size) {
      current = { start: current.start, end: piece.end };
    } else {
      chunks.push(current);
      current = { start: overlapStart(text, current, piece, size, overlap), end: piece.end };
    }
  }
  if (current !== undefined) chunks.push(current);
  return chunks;
}

function validateOptions(options: ChunkOptions): { size: number; overlap: number } {
  const size = options.size ?? DEFAULT_CHUNK_SIZE;
  const overlap = options.overlap ?? DEFAULT_CHUNK_OVERLAP;
  if (!Number.isInteger(size) || size < MIN_CHUNK_SIZE) {
    throw new RangeError(`chunk size must be an integer of at least ${MIN_CHUNK_SIZE}, got ${size}`);
  }
  if (!Number.isInteger(overlap) || overlap < 0 || overlap > size / 2) {
    throw new RangeError(
      `chunk overlap must be an integer from 0 to half the chunk size (${size}), got ${overlap}`,
    );
  }
  return { size, overlap };
}

/**
 * The units chunks are packed from, in order and without surrounding whitespace: paragraphs, with
 * any paragraph longer than `size` split into sentences, any such sentence into words, and any such
 * word into `size`-character pieces.
 */
function splitIntoPieces(text: string, size: number): Span[] {
  const levels = [/\n[^\S\n]*\n\s*/g, /(?<=[.!?])\s+/g, /\s+/g];
  const split = (span: Span, level: number): Span[] => {
    if (span.end - span.start <= size) return [span];
    const separator = levels[level];
    if (separator === undefined) return cutEvery(span, size);
    return spansBetween(text, span, separator).flatMap((part) => split(part, level + 1));
  };
  return spansBetween(text, { start: 0, end: text.length }, levels[0]!).flatMap((paragraph) =>
    split(paragraph, 1),
  );
}

/** The non-blank stretches of `span` between matches of `separator`, trimmed. */
function spansBetween(text: string, span: Span, separator: RegExp): Span[] {
  const spans: Span[] = [];
  const pattern = new RegExp(separator.source, 'g');
  pattern.lastIndex = span.start;
  let start = span.start;
  const pushTrimmed = (from: number, to: number) => {
    const trimmed = trim(text, { start: from, end: to });
    if (trimmed !== undefined) spans.push(trimmed);
  };
  for (let match = pattern.exec(text); match !== null && match.index < span.end; match = pattern.exec(text)) {
    pushTrimmed(start, Math.min(match.index, span.end));
    start = Math.min(match.index + match[0].length, span.end);
  }
  pushTrimmed(start, span.end);
  return spans;
}

function trim(text: string, { start, end }: Span): Span | undefined {
  let from = start;
  let to = end;
  while (from < to && /\s/.test(text[from]!)) from += 1;
  while (to > from && /\s/.test(text[to - 1]!)) to -= 1;
  return from < to ? { start: from, end: to } : undefined;
}

function cutEvery({ start, end }: Span, size: number): Span[] {
  const spans: Span[] = [];
  for (let from = start; from < end; from += size)
    spans.push({ start: from, end: Math.min(from + size, end) });
  return spans;
}

/**
 * Where the chunk after `previous` starts: at the earliest word start within the last `overlap`
 * characters of `previous` from which `next` still fits in `size`; at `next` itself otherwise.
 */
function overlapStart(text: string, previous: Span, next: Span, size: number, overlap: number): number {
  const earliest = Math.max(previous.start + 1, previous.end - overlap, next.end - size);
  for (let position = earliest; position < previous.end; position += 1) {
    if (!/\s/.test(text[position]!) && /\s/.test(text[position - 1]!)) return position;
  }
  return next.start;
}
