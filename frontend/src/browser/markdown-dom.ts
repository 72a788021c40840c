import type { Block, Inline, ListBlock } from './markdown';
import { type PassageRef, passageLinkData } from './passage-link';

/** Where citation [n] leads: its entry in the source list, and the cited passage when it has one. */
export interface CitationTarget {
  readonly sourceId: string;
  readonly passage: PassageRef | undefined;
}

export interface RenderOptions {
  /** The target of citation [n], or undefined when no such source exists. */
  citationTarget(number: number): CitationTarget | undefined;
}

/**
 * Builds DOM nodes for a parsed markdown tree. Text only ever enters the page through text nodes,
 * never through HTML parsing, so untrusted answers cannot inject elements or handlers.
 */
export function renderMarkdown(blocks: readonly Block[], options: RenderOptions): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const block of blocks) fragment.append(renderBlock(block, options));
  return fragment;
}

function renderBlock(block: Block, options: RenderOptions): HTMLElement {
  switch (block.type) {
    case 'paragraph':
      return withInlines(document.createElement('p'), block.children, options);
    case 'quote':
      return withInlines(document.createElement('blockquote'), block.children, options);
    case 'heading':
      // The page owns h1 and h2; answer headings start below them.
      return withInlines(document.createElement(`h${block.level + 2}`), block.children, options);
    case 'list':
      return renderList(block, options);
    case 'code':
      return renderCode(block.text, block.language);
    case 'table':
      return renderTable(block, options);
  }
}

function renderList(block: ListBlock, options: RenderOptions): HTMLElement {
  const list = document.createElement(block.ordered ? 'ol' : 'ul');
  if (block.ordered && block.start !== 1) list.setAttribute('start', String(block.start));
  for (const item of block.items) {
    const element = withInlines(document.createElement('li'), item.children, options);
    for (const sublist of item.sublists) element.append(renderList(sublist, options));
    list.append(element);
  }
  return list;
}

/** Fenced code with a copy button; the conversation view handles its clicks (`button.copy-code`). */
function renderCode(text: string, language: string): HTMLElement {
  const wrapper = document.createElement('div');
  wrapper.className = 'code-block';
  const bar = document.createElement('div');
  bar.className = 'code-bar';
  const name = document.createElement('span');
  name.className = 'code-language';
  name.textContent = language;
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'copy-code';
  copy.textContent = 'Copy code';
  if (language !== '') copy.setAttribute('aria-label', `Copy ${language} code`);
  bar.append(name, copy);
  const pre = document.createElement('pre');
  const code = document.createElement('code');
  code.textContent = text;
  pre.append(code);
  wrapper.append(bar, pre);
  return wrapper;
}

/** A wide table scrolls inside its own focusable region instead of widening the page. */
function renderTable(block: Extract<Block, { type: 'table' }>, options: RenderOptions): HTMLElement {
  const region = document.createElement('div');
  region.className = 'table-scroll';
  region.tabIndex = 0;
  region.setAttribute('role', 'region');
  region.setAttribute('aria-label', 'Table');
  const table = document.createElement('table');
  const row = (cells: readonly (readonly Inline[])[], tag: 'th' | 'td') => {
    const tr = document.createElement('tr');
    cells.forEach((cell, column) => {
      const element = withInlines(document.createElement(tag), cell, options);
      const align = block.align[column];
      if (align !== null && align !== undefined) element.className = `align-${align}`;
      if (tag === 'th') element.setAttribute('scope', 'col');
      tr.append(element);
    });
    return tr;
  };
  const head = document.createElement('thead');
  head.append(row(block.header, 'th'));
  const body = document.createElement('tbody');
  for (const cells of block.rows) body.append(row(cells, 'td'));
  table.append(head, body);
  region.append(table);
  return region;
}

function withInlines<E extends HTMLElement>(
  element: E,
  inlines: readonly Inline[],
  options: RenderOptions,
): E {
  for (const inline of inlines) element.append(renderInline(inline, options));
  return element;
}

function renderInline(inline: Inline, options: RenderOptions): Node {
  switch (inline.type) {
    case 'text':
      return document.createTextNode(inline.text);
    case 'strong':
      return withInlines(document.createElement('strong'), inline.children, options);
    case 'emphasis':
      return withInlines(document.createElement('em'), inline.children, options);
    case 'code': {
      const code = document.createElement('code');
      code.textContent = inline.text;
      return code;
    }
    case 'link': {
      const link = withInlines(document.createElement('a'), inline.children, options);
      link.href = inline.href;
      link.rel = 'noopener noreferrer nofollow';
      link.target = '_blank';
      return link;
    }
    case 'citation':
      return renderCitation(inline.number, options);
    case 'break':
      return document.createElement('br');
  }
}

function renderCitation(number: number, options: RenderOptions): Node {
  const target = options.citationTarget(number);
  if (target === undefined) return document.createTextNode(`[${number}]`);
  const link = document.createElement('a');
  link.className = 'citation';
  link.href = `#${target.sourceId}`;
  link.dataset.source = String(number);
  link.textContent = `[${number}]`;
  if (target.passage === undefined) {
    link.setAttribute('aria-label', `Source ${number}`);
  } else {
    passageLinkData(link, target.passage);
    const page = target.passage.page === undefined ? '' : `, page ${target.passage.page}`;
    link.setAttribute('aria-label', `Source ${number}: open the cited passage${page}`);
  }
  return link;
}
