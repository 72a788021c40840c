import { parseMarkdown } from './markdown';
import { renderMarkdown } from './markdown-dom';
import type { Source } from './protocol';

/**
 * One assistant turn in the conversation. Tokens are collected as they arrive and drawn once per
 * animation frame, so a fast stream never renders more often than the screen can show.
 */
export class AnswerView {
  readonly element: HTMLLIElement;
  private readonly body: HTMLDivElement;
  private readonly sourcesSlot: HTMLDivElement;
  private text = '';
  private sourceCount = 0;
  private frame: number | undefined;

  constructor(
    private readonly id: string,
    private readonly onRendered: () => void,
  ) {
    this.element = document.createElement('li');
    this.element.className = 'turn turn-assistant';
    const label = document.createElement('p');
    label.className = 'visually-hidden';
    label.textContent = 'Answer';
    this.body = document.createElement('div');
    this.body.className = 'answer';
    this.body.setAttribute('aria-live', 'polite');
    // Screen readers wait for aria-busy to clear, then read the whole answer once.
    this.body.setAttribute('aria-busy', 'true');
    const pending = document.createElement('p');
    pending.className = 'pending';
    pending.textContent = 'Searching the documents…';
    this.body.append(pending);
    this.sourcesSlot = document.createElement('div');
    this.element.append(label, this.body, this.sourcesSlot);
  }

  showSources(sources: readonly Source[]): void {
    this.sourceCount = sources.length;
    this.sourcesSlot.replaceChildren(this.renderSources(sources));
  }

  appendToken(text: string): void {
    this.text += text;
    this.frame ??= requestAnimationFrame(() => {
      this.frame = undefined;
      this.render();
    });
  }

  finish(answer: string): void {
    if (answer !== '') this.text = answer;
    this.settle('complete');
  }

  stop(): void {
    this.settle('stopped');
    this.addNotice('Stopped.', 'notice');
  }

  /** `retry` answers false when it could not start (another answer is running); the button stays usable. */
  fail(message: string, retry: () => boolean): void {
    this.settle('failed');
    const notice = this.addNotice(message, 'notice notice-error');
    notice.setAttribute('role', 'alert');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'retry';
    button.textContent = 'Try again';
    button.addEventListener('click', () => {
      if (!button.disabled && retry()) button.disabled = true;
    });
    notice.append(' ', button);
  }

  private settle(state: 'complete' | 'stopped' | 'failed'): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    this.element.dataset.state = state;
    if (this.text === '') this.body.replaceChildren();
    else this.render();
    this.body.setAttribute('aria-busy', 'false');
  }

  private render(): void {
    this.body.replaceChildren(
      renderMarkdown(parseMarkdown(this.text), {
        citationTarget: (number) =>
          number >= 1 && number <= this.sourceCount ? this.sourceId(number) : undefined,
      }),
    );
    this.onRendered();
  }

  private sourceId(number: number): string {
    return `${this.id}-source-${number}`;
  }

  private addNotice(message: string, className: string): HTMLParagraphElement {
    const notice = document.createElement('p');
    notice.className = className;
    notice.textContent = message;
    this.element.insertBefore(notice, this.sourcesSlot);
    this.onRendered();
    return notice;
  }

  private renderSources(sources: readonly Source[]): HTMLElement {
    if (sources.length === 0) {
      const none = document.createElement('p');
      none.className = 'notice';
      none.textContent = 'No indexed document matched this question.';
      return none;
    }
    const details = document.createElement('details');
    details.className = 'sources';
    const summary = document.createElement('summary');
    summary.textContent = `Sources (${sources.length})`;
    const list = document.createElement('ol');
    sources.forEach((source, index) => {
      const item = document.createElement('li');
      item.id = this.sourceId(index + 1);
      item.tabIndex = -1;
      item.className = 'source';
      const title = document.createElement('span');
      title.className = 'source-title';
      title.textContent = source.title;
      const score = document.createElement('span');
      score.className = 'source-score';
      score.textContent = `relevance ${source.score.toFixed(2)}`;
      const excerpt = document.createElement('p');
      excerpt.className = 'source-excerpt';
      excerpt.textContent = source.excerpt;
      item.append(title, ' ', score, excerpt);
      if (source.chunkId !== undefined)
        item.append(passageLink(source.documentId, source.chunkId, source.page));
      list.append(item);
    });
    details.append(summary, list);
    return details;
  }
}

/** Opened by PassageView, which listens for clicks on links carrying these data attributes. */
function passageLink(documentId: string, chunkId: string, page: number | undefined): HTMLAnchorElement {
  const link = document.createElement('a');
  link.className = 'source-open';
  link.href = '#passage';
  link.dataset.documentId = documentId;
  link.dataset.chunkId = chunkId;
  link.textContent = page === undefined ? 'Open passage' : `Open passage (p. ${page})`;
  return link;
}
