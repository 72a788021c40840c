import { type ChunkOptions, chunkSpans } from './chunker';
import type { Location, Section } from './formats/extracted-document';

export interface DocumentChunk extends Location {
  /** An exact slice `[start, end)` of the document's content. */
  readonly content: string;
  readonly start: number;
  readonly end: number;
  /** What is embedded: the heading path above the content, so a section's topic steers retrieval. */
  readonly embeddingText: string;
}

/**
 * Chunks a document section by section: no chunk crosses a page or a heading, so each one has a
 * single page and heading path. Without sections the whole content is one section.
 */
export function chunkDocument(
  content: string,
  sections: readonly Section[] | undefined,
  options?: ChunkOptions,
): DocumentChunk[] {
  const parts = sections ?? [{ start: 0, end: content.length }];
  return parts.flatMap(({ start, end, ...location }) =>
    chunkSpans(content.slice(start, end), options).map((span) => {
      const text = content.slice(start + span.start, start + span.end);
      const heading = location.headingPath?.join(' > ');
      return {
        ...location,
        content: text,
        start: start + span.start,
        end: start + span.end,
        embeddingText: heading === undefined ? text : `${heading}\n\n${text}`,
      };
    }),
  );
}
