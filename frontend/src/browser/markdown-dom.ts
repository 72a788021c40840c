import type { Block, Inline } from './markdown';

export interface RenderOptions {
  /** The in-page link for citation [n], or undefined when no such source exists. */
  citationTarget(number: number): string | undefined;
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
    case 'list': {
      const list = document.createElement(block.ordered ? 'ol' : 'ul');
      for (const item of block.items) list.append(withInlines(document.createElement('li'), item, options));
      return list;
    }
    case 'code': {
      const pre = document.createElement('pre');
      const code = document.createElement('code');
      code.textContent = block.text;
      pre.append(code);
      return pre;
    }
  }
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
  link.href = `#${target}`;
  link.dataset.source = String(number);
  link.textContent = `[${number}]`;
  link.setAttribute('aria-label', `Source ${number}`);
  return link;
}
