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

export type Block =
  | { readonly type: 'paragraph' | 'quote'; readonly children: readonly Inline[] }
  | { readonly type: 'heading'; readonly level: 1 | 2 | 3; readonly children: readonly Inline[] }
  | { readonly type: 'list'; readonly ordered: boolean; readonly items: readonly (readonly Inline[])[] }
  | { readonly type: 'code'; readonly text: string };

const FENCE = /^\s{0,3}(```|~~~)/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}\d{1,9}[.)]\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;

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
      blocks.push({ type: 'code', text: code.join('\n') });
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
    const listPattern = BULLET.test(line) ? BULLET : NUMBERED.test(line) ? NUMBERED : undefined;
    if (listPattern !== undefined) {
      const items = consecutiveMatches(lines, index, listPattern);
      blocks.push({ type: 'list', ordered: listPattern === NUMBERED, items: items.map(parseInline) });
      index += items.length;
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
    while (index < lines.length && isParagraphLine(lines[index] ?? '')) {
      paragraph.push(lines[index] ?? '');
      index += 1;
    }
    blocks.push({ type: 'paragraph', children: parseInline(paragraph.join('\n')) });
  }
  return blocks;
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

function isParagraphLine(line: string): boolean {
  return (
    line.trim() !== '' &&
    !FENCE.test(line) &&
    !HEADING.test(line) &&
    !BULLET.test(line) &&
    !NUMBERED.test(line) &&
    !QUOTE.test(line)
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
