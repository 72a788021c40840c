import { fetchPassage, type Passage } from './documents-api';

/**
 * Opens a cited passage in its document: a dialog with the document's text, the passage
 * highlighted and scrolled into view, and its page (PDF) or heading path above it. Any link with
 * `data-document-id` and `data-chunk-id` opens it (the sources under an answer and its [n] markers carry them).
 */
export class PassageView {
  private readonly dialog: HTMLDialogElement;
  private readonly heading: HTMLHeadingElement;
  private readonly location: HTMLParagraphElement;
  private readonly body: HTMLDivElement;

  constructor(private readonly apiBase: string) {
    this.dialog = document.createElement('dialog');
    this.dialog.id = 'passage-dialog';
    this.dialog.className = 'panel';
    this.dialog.setAttribute('aria-labelledby', 'passage-heading');
    this.heading = document.createElement('h2');
    this.heading.id = 'passage-heading';
    this.location = document.createElement('p');
    this.location.className = 'passage-location';
    this.body = document.createElement('div');
    this.body.className = 'passage-body';
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'secondary panel-close';
    close.textContent = 'Close';
    close.addEventListener('click', () => this.dialog.close());
    const header = document.createElement('div');
    header.className = 'panel-header';
    header.append(this.heading, close);
    this.dialog.append(header, this.location, this.body);
    document.body.append(this.dialog);
    document.addEventListener('click', (event) => {
      const link = event.target instanceof Element ? event.target.closest('a[data-chunk-id]') : null;
      if (!(link instanceof HTMLAnchorElement)) return;
      event.preventDefault();
      void this.open(link.dataset.documentId ?? '', link.dataset.chunkId ?? '');
    });
  }

  async open(documentId: string, chunkId: string): Promise<void> {
    this.heading.textContent = 'Loading the passage…';
    this.location.textContent = '';
    this.body.replaceChildren();
    if (!this.dialog.open) this.dialog.showModal();
    try {
      this.show(await fetchPassage(this.apiBase, documentId, chunkId));
    } catch (error) {
      this.heading.textContent = 'The passage could not be opened';
      const notice = document.createElement('p');
      notice.className = 'notice notice-error';
      notice.setAttribute('role', 'alert');
      notice.textContent = error instanceof Error ? error.message : String(error);
      this.body.replaceChildren(notice);
    }
  }

  private show(passage: Passage): void {
    this.heading.textContent = passage.title;
    const where = [
      passage.page === null ? undefined : `p. ${passage.page}`,
      passage.headingPath.length > 0 ? passage.headingPath.join(' › ') : undefined,
    ].filter((part) => part !== undefined);
    this.location.textContent = where.join(' · ');
    const mark = document.createElement('mark');
    mark.className = 'passage-highlight';
    const text = document.createElement('pre');
    text.className = 'passage-text';
    const { content, start, end } = passage;
    if (start !== null && end !== null && end <= content.length) {
      mark.textContent = content.slice(start, end);
      text.append(content.slice(0, start), mark, content.slice(end));
    } else {
      // Chunks stored before offsets were kept: show the passage on its own.
      mark.textContent = passage.passage;
      text.append(mark);
    }
    this.body.replaceChildren(text);
    mark.scrollIntoView({ block: 'center' });
  }
}
