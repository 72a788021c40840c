import { AnswerView, copyText } from './answer-view';

/** The list of turns, the intro shown while it is empty, and scrolling that follows new text. */
export class ConversationView {
  private turnCount = 0;

  constructor(
    private readonly list: HTMLOListElement,
    private readonly intro: HTMLElement,
    private readonly scroller: HTMLElement,
  ) {
    list.addEventListener('click', (event) => {
      this.followCitation(event);
      this.copyCode(event);
    });
  }

  addQuestion(text: string): void {
    const item = document.createElement('li');
    item.className = 'turn turn-user';
    const label = document.createElement('p');
    label.className = 'visually-hidden';
    label.textContent = 'You asked';
    const body = document.createElement('p');
    body.className = 'question';
    body.textContent = text;
    item.append(label, body);
    this.append(item);
  }

  addAnswer(): AnswerView {
    this.turnCount += 1;
    const answer = new AnswerView(`answer-${this.turnCount}`, () => this.keepLatestInView());
    this.append(answer.element);
    return answer;
  }

  clear(): void {
    this.list.replaceChildren();
    this.intro.hidden = false;
  }

  private append(item: HTMLLIElement): void {
    this.intro.hidden = true;
    const following = this.isNearBottom();
    this.list.append(item);
    if (following) this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  private keepLatestInView(): void {
    if (this.isNearBottom()) this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  /** Someone who scrolled up to read is not pulled back down by new tokens. */
  private isNearBottom(): boolean {
    const { scrollHeight, scrollTop, clientHeight } = this.scroller;
    return scrollHeight - scrollTop - clientHeight < 120;
  }

  /** The copy button of a fenced code block copies that block's text. */
  private copyCode(event: MouseEvent): void {
    if (!(event.target instanceof Element)) return;
    const button = event.target.closest('button.copy-code');
    const code = button?.closest('.code-block')?.querySelector('code');
    if (button === null || button === undefined || code === null || code === undefined) return;
    const label = button.textContent;
    void copyText(code.textContent ?? '').then((copied) => {
      button.textContent = copied ? 'Copied' : 'Copy failed';
      setTimeout(() => {
        button.textContent = label;
      }, 2000);
    });
  }

  /** A citation opens the collapsed source list and moves focus to the cited source. */
  private followCitation(event: MouseEvent): void {
    if (!(event.target instanceof Element)) return;
    const link = event.target.closest('a.citation');
    const targetId = link?.getAttribute('href')?.slice(1);
    const source = targetId === undefined ? null : document.getElementById(targetId);
    if (source === null) return;
    event.preventDefault();
    const details = source.closest('details');
    if (details !== null) details.open = true;
    source.focus();
  }
}
