import { parseHTML } from 'linkedom';
import type { Location } from './extracted-document';

type Piece = Location & { readonly text: string };

const SKIPPED = new Set([
  'SCRIPT',
  'STYLE',
  'NOSCRIPT',
  'TEMPLATE',
  'SVG',
  'NAV',
  'IFRAME',
  'OBJECT',
  'FORM',
]);
const BLOCKS = new Set([
  'P',
  'DIV',
  'LI',
  'UL',
  'OL',
  'PRE',
  'BLOCKQUOTE',
  'TABLE',
  'TR',
  'SECTION',
  'ARTICLE',
  'MAIN',
  'HEADER',
  'FOOTER',
  'ASIDE',
  'FIGURE',
  'FIGCAPTION',
  'DL',
  'DT',
  'DD',
  'HR',
  'BR',
  'ADDRESS',
]);
const HEADING = /^H([1-6])$/;

interface NodeLike {
  readonly nodeType: number;
  readonly nodeName: string;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<NodeLike>;
}

/**
 * Turns HTML (a page's main content, or mammoth's rendering of a DOCX) into text pieces: block
 * elements become paragraphs, and each heading opens a new piece carrying its heading path.
 */
export function htmlToPieces(html: string): Piece[] {
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  const pieces: Piece[] = [];
  const path: { level: number; text: string }[] = [];
  let blocks: string[] = [];
  let line = '';
  const endLine = () => {
    const text = line.replace(/\s+/g, ' ').trim();
    if (text !== '') blocks.push(text);
    line = '';
  };
  const endPiece = () => {
    endLine();
    if (blocks.length > 0) {
      const headingPath = path.map((entry) => entry.text);
      pieces.push({ text: blocks.join('\n\n'), ...(headingPath.length > 0 ? { headingPath } : {}) });
    }
    blocks = [];
  };
  const visit = (node: NodeLike) => {
    if (node.nodeType === 3) {
      line += node.textContent ?? '';
      return;
    }
    if (node.nodeType !== 1 || SKIPPED.has(node.nodeName.toUpperCase())) return;
    const name = node.nodeName.toUpperCase();
    const heading = HEADING.exec(name);
    if (heading !== null) {
      const text = (node.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (text === '') return;
      endPiece();
      const level = Number(heading[1]);
      while (path.length > 0 && path[path.length - 1]!.level >= level) path.pop();
      path.push({ level, text });
      blocks.push(text);
      return;
    }
    const block = BLOCKS.has(name);
    if (block) endLine();
    for (const child of Array.from(node.childNodes)) visit(child);
    if (block) endLine();
  };
  visit(document.body as unknown as NodeLike);
  endPiece();
  return pieces;
}
