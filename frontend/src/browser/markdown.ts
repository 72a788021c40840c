/**
 * A small markdown subset parsed into a tree of plain data. Raw HTML is not part of the subset:
 * it stays text. Links keep only http(s) and mailto targets; for anything else (javascript:, data:,
 * relative paths) only the link's words remain. The DOM is built from this tree elsewhere.
 */

export type Inline =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'strong' | 'emphasis'; readonly children: readonly Inline[] }
  | { readonly type: 'code'; readonly text: string }
  | { readonly type: 'link'; readonly href: string; readonly children: readonly Inline[] }
  | { readonly type: 'citation'; readonly number: number }
  | { readonly type: 'break' };

export type Alignment = 'left' | 'center' | 'right' | null;

export interface ListItem {
  readonly children: readonly Inline[];
  /** Lists indented under this item. */
  readonly sublists: readonly ListBlock[];
}

export interface ListBlock {
  readonly type: 'list';
  readonly ordered: boolean;
  /** The number of the first item of an ordered list. */
  readonly start: number;
  readonly items: readonly ListItem[];
}

export type Block =
  | { readonly type: 'paragraph' | 'quote'; readonly children: readonly Inline[] }
  | { readonly type: 'heading'; readonly level: 1 | 2 | 3; readonly children: readonly Inline[] }
  | ListBlock
  | { readonly type: 'code'; readonly text: string; readonly language: string }
  | {
      readonly type: 'table';
      readonly align: readonly Alignment[];
      readonly header: readonly (readonly Inline[])[];
      readonly rows: readonly (readonly (readonly Inline[])[])[];
    };

const FENCE = /^\s{0,3}(```|~~~)\s*([\w+#.-]*)/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
/** A list item at any depth: indentation, marker (bullet or number), text. */
const LIST_ITEM = /^([ \t]*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
/** A list starts at most three spaces in, like every other block. */
const LIST_START = /^\s{0,3}(?:[-*+]|\d{1,9}[.)])\s+/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const TABLE_DELIMITER = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? '';
    const fence = FENCE.exec(line);
    if (fence !== null) {
      const marker = fence[1] ?? '```';
      const code: string[] = [];
      index += 1;
      while (index < lines.length && !(lines[index] ?? '').trimStart().startsWith(marker)) {
        code.push(lines[index] ?? '');
        index += 1;
      }
      blocks.push({ type: 'code', text: code.join('\n'), language: fence[2] ?? '' });
      index += 1;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading !== null) {
      const depth = (heading[1] ?? '#').length;
      blocks.push({
        type: 'heading',
        level: depth <= 1 ? 1 : depth === 2 ? 2 : 3,
        children: parseInline(heading[2] ?? ''),
      });
      index += 1;
      continue;
    }
    if (isTableStart(lines, index)) {
      const rows: string[] = [];
      for (let row = index; row < lines.length && (lines[row] ?? '').includes('|'); row += 1) {
        rows.push(lines[row] ?? '');
      }
      blocks.push(parseTable(rows));
      index += rows.length;
      continue;
    }
    if (LIST_START.test(line)) {
      const entries = listEntries(lines, index);
      index = entries.end;
      for (let next = 0; next < entries.items.length; ) {
        const list = buildList(entries.items, next);
        blocks.push(list.block);
        next = list.next;
      }
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted = consecutiveMatches(lines, index, QUOTE);
      blocks.push({ type: 'quote', children: parseInline(quoted.join('\n')) });
      index += quoted.length;
      continue;
    }
    if (line.trim() === '') {
      index += 1;
      continue;
    }
    const paragraph: string[] = [];
    while (index < lines.length && isParagraphLine(lines, index)) {
      paragraph.push(lines[index] ?? '');
      index += 1;
    }
    blocks.push({ type: 'paragraph', children: parseInline(paragraph.join('\n')) });
  }
  return blocks;
}

interface ListEntry {
  readonly indent: number;
  readonly ordered: boolean;
  readonly number: number;
  text: string;
}

/**
 * The list items from `start` on: an indented line that is no item continues the item before it;
 * a blank line ends the list unless an indented item or line follows.
 */
function listEntries(lines: readonly string[], start: number): { items: ListEntry[]; end: number } {
  const items: ListEntry[] = [];
  let index = start;
  while (index < lines.length) {
    const line = lines[index] ?? '';
    const item = LIST_ITEM.exec(line);
    const indent = indentOf(line);
    if (item !== null && (indent <= 3 || items.length > 0)) {
      const marker = item[2] ?? '-';
      const ordered = /\d/.test(marker);
      items.push({ indent, ordered, number: ordered ? Number.parseInt(marker, 10) : 1, text: item[3] ?? '' });
    } else if (line.trim() !== '' && indent >= 2 && items.length > 0 && !FENCE.test(line)) {
      const last = items[items.length - 1];
      if (last !== undefined) last.text += `\n${line.trim()}`;
    } else if (line.trim() === '' && LIST_ITEM.test(lines[index + 1] ?? '')) {
      // A loose list: items separated by blank lines still form one list.
    } else {
      break;
    }
    index += 1;
  }
  return { items, end: index };
}

/** One list from `items[start]`: deeper items nest under the item before them. */
function buildList(items: readonly ListEntry[], start: number): { block: ListBlock; next: number } {
  const first = items[start];
  const built: { children: Inline[]; sublists: ListBlock[] }[] = [];
  let index = start;
  while (first !== undefined && index < items.length) {
    const item = items[index];
    if (item === undefined || item.indent < first.indent) break;
    const parent = built[built.length - 1];
    if (item.indent > first.indent && parent !== undefined) {
      const nested = buildList(items, index);
      parent.sublists.push(nested.block);
      index = nested.next;
      continue;
    }
    if (item.ordered !== first.ordered && built.length > 0) break;
    built.push({ children: parseInline(item.text), sublists: [] });
    index += 1;
  }
  return {
    block: { type: 'list', ordered: first?.ordered ?? false, start: first?.number ?? 1, items: built },
    next: index,
  };
}

function indentOf(line: string): number {
  const leading = /^[ \t]*/.exec(line)?.[0] ?? '';
  return leading.replace(/\t/g, '    ').length;
}

function isTableStart(lines: readonly string[], index: number): boolean {
  const header = lines[index] ?? '';
  const delimiter = lines[index + 1] ?? '';
  return header.includes('|') && delimiter.includes('-') && TABLE_DELIMITER.test(delimiter);
}

function parseTable(rows: readonly string[]): Block {
  const header = tableCells(rows[0] ?? '');
  const align = tableCells(rows[1] ?? '').map((cell): Alignment => {
    const left = cell.startsWith(':');
    const right = cell.endsWith(':');
    return left && right ? 'center' : right ? 'right' : left ? 'left' : null;
  });
  const width = header.length;
  return {
    type: 'table',
    align: Array.from({ length: width }, (_, column) => align[column] ?? null),
    header: header.map(parseInline),
    rows: rows.slice(2).map((row) => {
      const cells = tableCells(row);
      return Array.from({ length: width }, (_, column) => parseInline(cells[column] ?? ''));
    }),
  };
}

/** Cells split at unescaped pipes; the optional outer pipes are not cells. */
function tableCells(row: string): string[] {
  const trimmed = row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  return trimmed.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/** The first capture of each line from `start` on that matches `pattern`, up to the first that does not. */
function consecutiveMatches(lines: readonly string[], start: number, pattern: RegExp): string[] {
  const captures: string[] = [];
  for (const line of lines.slice(start)) {
    const match = pattern.exec(line);
    if (match === null) break;
    captures.push(match[1] ?? '');
  }
  return captures;
}

function isParagraphLine(lines: readonly string[], index: number): boolean {
  const line = lines[index] ?? '';
  return (
    line.trim() !== '' &&
    !FENCE.test(line) &&
    !HEADING.test(line) &&
    !LIST_START.test(line) &&
    !QUOTE.test(line) &&
    !isTableStart(lines, index)
  );
}

/**
 * Alternatives, in priority order: code span, strong, emphasis, citation group like [1] or [1, 2],
 * link (its target may hold one level of parentheses), line break.
 */
const INLINE_TOKEN =
  /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)|\*\*(?=\S)([\s\S]*?\S)\*\*|__(?=\S)([\s\S]*?\S)__|\*(?=\S)([^*]*?\S)\*|\b_(?=\S)([^_]*?\S)_\b|\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]|\[([^\]\n]+)\]\(\s*((?:[^()\s]|\([^()\s]*\))+)\s*\)|\n/;

export function parseInline(text: string): Inline[] {
  const nodes: Inline[] = [];
  let rest = text;
  for (let match = INLINE_TOKEN.exec(rest); match !== null; match = INLINE_TOKEN.exec(rest)) {
    if (match.index > 0) pushText(nodes, rest.slice(0, match.index));
    nodes.push(...inlineFromMatch(match));
    rest = rest.slice(match.index + match[0].length);
  }
  if (rest !== '') pushText(nodes, rest);
  return nodes;
}

function inlineFromMatch(match: RegExpExecArray): Inline[] {
  const [, , code, strongStars, strongUnderscores, emStar, emUnderscore, citations, linkText, href] = match;
  if (code !== undefined) return [{ type: 'code', text: code }];
  const strong = strongStars ?? strongUnderscores;
  if (strong !== undefined) return [{ type: 'strong', children: parseInline(strong) }];
  const emphasis = emStar ?? emUnderscore;
  if (emphasis !== undefined) return [{ type: 'emphasis', children: parseInline(emphasis) }];
  if (citations !== undefined) {
    return citations.split(',').map((number) => ({ type: 'citation', number: Number(number.trim()) }));
  }
  if (linkText !== undefined && href !== undefined) {
    const safeHref = toSafeHref(href);
    // An unsafe target is dropped; the words stay readable.
    return safeHref === undefined
      ? parseInline(linkText)
      : [{ type: 'link', href: safeHref, children: parseInline(linkText) }];
  }
  return [{ type: 'break' }];
}

function pushText(nodes: Inline[], text: string): void {
  const last = nodes.at(-1);
  if (last?.type === 'text') nodes[nodes.length - 1] = { type: 'text', text: last.text + text };
  else nodes.push({ type: 'text', text });
}

/** Only absolute web and mail links survive; the URL parser normalizes away tricks like "java\tscript:". */
export function toSafeHref(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  return url.protocol === 'https:' || url.protocol === 'http:' || url.protocol === 'mailto:'
    ? url.href
    : undefined;
}
