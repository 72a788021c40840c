import type { ExtractedDocument, Section } from './extracted-document';

const ATX_HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Markdown keeps its text as written; each ATX heading starts a section whose heading path is the
 * chain of headings above it (`# A`, `## B` → ["A", "B"]). A heading with no text of its own before
 * the next one joins that next section rather than become a chunk of its own. Lines inside fenced
 * code never count as headings. The first level-1 heading is the title.
 */
export function extractMarkdown(content: string): ExtractedDocument {
  const sections: Section[] = [];
  const path: { level: number; text: string }[] = [];
  let title: string | undefined;
  let sectionStart = 0;
  let sectionPath: string[] = [];
  let sectionHasBody = false;
  let fence: string | undefined;
  let offset = 0;
  const close = (end: number) => {
    if (content.slice(sectionStart, end).trim() !== '')
      sections.push({
        start: sectionStart,
        end,
        ...(sectionPath.length > 0 ? { headingPath: sectionPath } : {}),
      });
  };
  for (const line of content.split('\n')) {
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch !== null) {
      const marker = fenceMatch[1]!;
      if (fence === undefined) fence = marker[0]!.repeat(marker.length);
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    }
    const heading = fence === undefined ? ATX_HEADING.exec(line.replace(/\r$/, '')) : null;
    if (heading !== null && heading[2] !== '') {
      const level = heading[1]!.length;
      const text = heading[2]!.trim();
      if (sectionHasBody) close(offset);
      // A section of headings only stays open, so its headings lead into this one.
      if (sectionHasBody || sectionPath.length === 0) sectionStart = offset;
      while (path.length > 0 && path[path.length - 1]!.level >= level) path.pop();
      path.push({ level, text });
      if (level === 1 && title === undefined) title = text;
      sectionPath = path.map((entry) => entry.text);
      sectionHasBody = false;
    } else if (line.trim() !== '') {
      sectionHasBody = true;
    }
    offset += line.length + 1;
  }
  close(content.length);
  return { format: 'markdown', title, content, sections };
}
