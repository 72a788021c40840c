import { parseMarkdown } from './markdown';
import { renderMarkdown } from './markdown-dom';
import { type PassageRef, passageLinkData } from './passage-link';
import type { Feedback, Rating, Source } from './protocol';

export interface AnswerActions {
  /** Present only on the latest answer; answers false when it could not start. */
  readonly regenerate: (() => boolean) | undefined;
  /** Present once the answer is stored; resolves whether the backend kept the feedback. */
  readonly rate: ((feedback: Feedback) => Promise<boolean>) | undefined;
  readonly feedback: Feedback | undefined;
}

/**
 * One assistant turn in the conversation. Tokens are collected as they arrive and drawn once per
 * animation frame, so a fast stream never renders more often than the screen can show.
 */
export class AnswerView {
  readonly element: HTMLLIElement;
  private readonly body: HTMLDivElement;
  private readonly sourcesSlot: HTMLDivElement;
  private readonly actionsSlot: HTMLDivElement;
  private regenerateButton: HTMLButtonElement | undefined;
  private text = '';
  private sources: readonly Source[] = [];
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
    this.actionsSlot = document.createElement('div');
    this.element.append(label, this.body, this.sourcesSlot, this.actionsSlot);
  }

  /** Copy, regenerate and feedback under a finished answer. */
  showActions(actions: AnswerActions): void {
    const bar = document.createElement('div');
    bar.className = 'answer-actions';
    bar.setAttribute('role', 'group');
    bar.setAttribute('aria-label', 'Answer actions');
    const status = document.createElement('p');
    status.className = 'action-status';
    status.setAttribute('role', 'status');
    const copy = actionButton('Copy', 'Copy answer');
    copy.addEventListener('click', () => {
      copyText(this.text).then((copied) => {
        status.textContent = copied ? 'Answer copied.' : 'Copying is not allowed in this browser.';
      });
    });
    bar.append(copy);
    if (actions.regenerate !== undefined) {
      const regenerate = actions.regenerate;
      const button = actionButton('Regenerate', 'Regenerate answer');
      button.addEventListener('click', () => {
        if (!button.disabled && regenerate()) button.disabled = true;
      });
      this.regenerateButton = button;
      bar.append(button);
    }
    const parts: HTMLElement[] = [bar];
    if (actions.rate !== undefined)
      parts.push(...this.feedbackControls(bar, status, actions.rate, actions.feedback));
    parts.push(status);
    this.actionsSlot.replaceChildren(...parts);
  }

  /** A newer answer exists: only the latest one can be regenerated. */
  withdrawRegenerate(): void {
    this.regenerateButton?.remove();
    this.regenerateButton = undefined;
  }

  private feedbackControls(
    bar: HTMLElement,
    status: HTMLElement,
    rate: (feedback: Feedback) => Promise<boolean>,
    initial: Feedback | undefined,
  ): HTMLElement[] {
    let current = initial;
    const up = actionButton('Good answer', 'Good answer');
    const down = actionButton('Bad answer', 'Bad answer');
    const form = document.createElement('form');
    form.className = 'feedback-form';
    form.hidden = true;
    form.setAttribute('aria-label', 'Feedback comment');
    const label = document.createElement('label');
    label.textContent = 'What was good or wrong? (optional)';
    const comment = document.createElement('textarea');
    comment.rows = 2;
    comment.maxLength = 2000;
    comment.className = 'feedback-comment';
    label.append(comment);
    const send = document.createElement('button');
    send.type = 'submit';
    send.textContent = 'Send feedback';
    form.append(label, send);
    const pressed = () => {
      up.setAttribute('aria-pressed', String(current?.rating === 'up'));
      down.setAttribute('aria-pressed', String(current?.rating === 'down'));
    };
    const save = async (feedback: Feedback, thanks: string) => {
      const saved = await rate(feedback);
      if (saved) current = feedback;
      pressed();
      status.textContent = saved ? thanks : 'The feedback could not be saved. Try again.';
      return saved;
    };
    const choose = (rating: Rating) => async () => {
      if (await save({ rating, comment: current?.comment ?? null }, 'Thanks, noted.')) {
        form.hidden = false;
        comment.focus();
      }
    };
    up.addEventListener('click', choose('up'));
    down.addEventListener('click', choose('down'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (current === undefined) return;
      const text = comment.value.trim();
      void save(
        { rating: current.rating, comment: text === '' ? null : text },
        'Thanks for the feedback.',
      ).then((saved) => {
        if (!saved) return;
        form.hidden = true;
        // The focused Send button is hidden now; the chosen rating keeps the place.
        (current?.rating === 'down' ? down : up).focus();
      });
    });
    comment.value = initial?.comment ?? '';
    pressed();
    bar.append(up, down);
    return [form];
  }

  showSources(sources: readonly Source[]): void {
    this.sources = sources;
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
        citationTarget: (number) => {
          const source = this.sources[number - 1];
          if (number < 1 || source === undefined) return undefined;
          return { sourceId: this.sourceId(number), passage: passageOf(source) };
        },
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
      const passage = passageOf(source);
      if (passage !== undefined) item.append(passageLink(passage));
      list.append(item);
    });
    details.append(summary, list);
    return details;
  }
}

function actionButton(text: string, label: string): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'action';
  button.textContent = text;
  if (label !== text) button.setAttribute('aria-label', label);
  return button;
}

/** The clipboard needs a secure context and the page's permission; both can be missing. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

function passageOf(source: Source): PassageRef | undefined {
  if (source.chunkId === undefined) return undefined;
  return { documentId: source.documentId, chunkId: source.chunkId, page: source.page };
}

function passageLink(passage: PassageRef): HTMLAnchorElement {
  const link = document.createElement('a');
  link.className = 'source-open';
  link.href = '#passage';
  passageLinkData(link, passage);
  link.textContent = passage.page === undefined ? 'Open passage' : `Open passage (p. ${passage.page})`;
  return link;
}
