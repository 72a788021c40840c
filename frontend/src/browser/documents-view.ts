import {
  ApiError,
  type DocumentRow,
  deleteDocument,
  type FileUploadOutcome,
  listDocuments,
  uploadFile,
} from './documents-api';

const PAGE_SIZE = 20;
/** Files uploaded at once; each file is its own request so each has its own progress and result. */
const PARALLEL_UPLOADS = 2;
const ACCEPTED = '.pdf,.docx,.html,.htm,.md,.markdown,.txt';

/**
 * The admin documents view: drop or pick files to upload (each with its progress and result; a
 * file with the same name replaces the earlier one), and the stored documents with search, paging
 * and delete-after-confirmation. Built from elements and text nodes only.
 */
export class DocumentsView {
  private readonly dialog: HTMLDialogElement;
  private readonly uploads: HTMLUListElement;
  private readonly search: HTMLInputElement;
  private readonly rows: HTMLTableSectionElement;
  private readonly pageInfo: HTMLSpanElement;
  private readonly previous: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private readonly listNotice: HTMLParagraphElement;
  private offset = 0;
  private total = 0;
  private queue: { file: File; row: UploadRow }[] = [];
  private active = 0;

  constructor(
    private readonly apiBase: string,
    opener: HTMLButtonElement,
    private readonly onCorpusChanged: () => void,
  ) {
    this.dialog = element('dialog', 'panel documents-panel');
    this.dialog.id = 'documents-dialog';
    this.dialog.setAttribute('aria-labelledby', 'documents-heading');
    const heading = element('h2');
    heading.id = 'documents-heading';
    heading.textContent = 'Documents';
    const close = button('Close', 'secondary panel-close', () => this.dialog.close());
    const header = element('div', 'panel-header');
    header.append(heading, close);

    const picker = document.createElement('input');
    picker.type = 'file';
    picker.multiple = true;
    picker.accept = ACCEPTED;
    picker.id = 'documents-file';
    picker.className = 'visually-hidden';
    picker.addEventListener('change', () => {
      this.enqueue([...(picker.files ?? [])]);
      picker.value = '';
    });
    const drop = element('label', 'drop-zone');
    drop.htmlFor = picker.id;
    drop.id = 'documents-drop';
    drop.append(
      'Drop PDF, Word, HTML, Markdown or text files here, or ',
      Object.assign(element('span', 'drop-zone-action'), { textContent: 'choose files' }),
      '. A file with the same name replaces the stored one.',
    );
    drop.addEventListener('dragover', (event) => {
      event.preventDefault();
      drop.classList.add('drop-zone-over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('drop-zone-over'));
    drop.addEventListener('drop', (event) => {
      event.preventDefault();
      drop.classList.remove('drop-zone-over');
      this.enqueue([...(event.dataTransfer?.files ?? [])]);
    });
    this.uploads = element('ul', 'uploads');
    this.uploads.setAttribute('aria-label', 'Uploads');

    this.search = document.createElement('input');
    this.search.type = 'search';
    this.search.id = 'documents-search';
    this.search.placeholder = 'Search titles and sources';
    this.search.setAttribute('aria-label', 'Search documents');
    let debounce: number | undefined;
    this.search.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = window.setTimeout(() => {
        this.offset = 0;
        void this.refresh();
      }, 250);
    });
    const table = element('table', 'documents-table');
    const head = element('thead');
    const headRow = element('tr');
    for (const label of ['Title', 'Source', 'Format', 'Chunks', 'Updated', '']) {
      const cell = element('th');
      cell.scope = 'col';
      cell.textContent = label;
      headRow.append(cell);
    }
    head.append(headRow);
    this.rows = element('tbody');
    table.append(head, this.rows);
    this.listNotice = element('p', 'notice');
    this.listNotice.hidden = true;
    this.previous = button('Previous', 'secondary', () => this.turnPage(-1));
    this.next = button('Next', 'secondary', () => this.turnPage(1));
    this.pageInfo = element('span', 'page-info');
    const pager = element('div', 'pager');
    pager.append(this.previous, this.pageInfo, this.next);

    this.dialog.append(header, picker, drop, this.uploads, this.search, this.listNotice, table, pager);
    document.body.append(this.dialog);
    opener.addEventListener('click', () => {
      this.dialog.showModal();
      void this.refresh();
    });
  }

  private enqueue(files: readonly File[]): void {
    for (const file of files) {
      const row = new UploadRow(file.name);
      this.uploads.prepend(row.element);
      this.queue.push({ file, row });
    }
    this.pump();
  }

  private pump(): void {
    while (this.active < PARALLEL_UPLOADS && this.queue.length > 0) {
      const { file, row } = this.queue.shift()!;
      this.active += 1;
      void uploadFile(this.apiBase, file, (share) => row.progress(share))
        .then(
          (outcome) => row.finish(outcome),
          (error: unknown) => row.fail(describe(error)),
        )
        .finally(() => {
          this.active -= 1;
          this.pump();
          if (this.active === 0 && this.queue.length === 0) {
            void this.refresh();
            this.onCorpusChanged();
          }
        });
    }
  }

  private turnPage(direction: 1 | -1): void {
    this.offset = Math.max(0, this.offset + direction * PAGE_SIZE);
    void this.refresh();
  }

  private async refresh(): Promise<void> {
    try {
      const page = await listDocuments(this.apiBase, {
        search: this.search.value.trim(),
        limit: PAGE_SIZE,
        offset: this.offset,
      });
      this.total = page.total;
      this.rows.replaceChildren(...page.items.map((item) => this.renderRow(item)));
      this.listNotice.hidden = page.items.length > 0;
      this.listNotice.textContent =
        this.search.value.trim() === '' ? 'No documents yet.' : 'No document matches.';
      const first = page.total === 0 ? 0 : this.offset + 1;
      this.pageInfo.textContent = `${first}–${this.offset + page.items.length} of ${page.total}`;
      this.previous.disabled = this.offset === 0;
      this.next.disabled = this.offset + PAGE_SIZE >= this.total;
    } catch (error) {
      this.listNotice.hidden = false;
      this.listNotice.textContent = describe(error);
    }
  }

  private renderRow(item: DocumentRow): HTMLTableRowElement {
    const row = element('tr');
    row.dataset.documentId = item.id;
    const updated = item.updatedAt === '' ? '' : new Date(item.updatedAt).toLocaleString();
    for (const value of [item.title, item.source ?? '—', item.format, String(item.chunkCount), updated]) {
      const cell = element('td');
      cell.textContent = value;
      row.append(cell);
    }
    const actions = element('td', 'row-actions');
    const remove = button('Delete', 'danger', () => {
      const confirm = button('Confirm delete', 'danger', async () => {
        confirm.disabled = true;
        try {
          await deleteDocument(this.apiBase, item.id);
          this.onCorpusChanged();
          await this.refresh();
        } catch (error) {
          actions.replaceChildren(describe(error));
        }
      });
      const cancel = button('Cancel', 'secondary', () => actions.replaceChildren(remove));
      actions.replaceChildren(`Delete “${item.title}”? `, confirm, ' ', cancel);
      confirm.focus();
    });
    actions.append(remove);
    row.append(actions);
    return row;
  }
}

class UploadRow {
  readonly element: HTMLLIElement;
  private readonly bar: HTMLProgressElement;
  private readonly status: HTMLSpanElement;

  constructor(name: string) {
    this.element = element('li', 'upload');
    this.element.dataset.state = 'uploading';
    const label = element('span', 'upload-name');
    label.textContent = name;
    this.bar = element('progress');
    this.bar.max = 1;
    this.bar.value = 0;
    this.bar.setAttribute('aria-label', `Upload of ${name}`);
    this.status = element('span', 'upload-status');
    this.status.textContent = 'Uploading…';
    this.element.append(label, ' ', this.bar, ' ', this.status);
  }

  progress(share: number): void {
    this.bar.value = share;
    if (share >= 1) this.status.textContent = 'Reading and indexing…';
  }

  finish(outcome: FileUploadOutcome): void {
    this.bar.value = 1;
    this.element.dataset.state = outcome.status;
    if (outcome.status === 'rejected') {
      this.status.textContent = outcome.message;
      this.status.setAttribute('role', 'alert');
      this.element.classList.add('upload-error');
    } else {
      this.status.textContent = `${outcome.status} · ${outcome.chunks} chunks`;
    }
  }

  fail(message: string): void {
    this.element.dataset.state = 'failed';
    this.element.classList.add('upload-error');
    this.status.textContent = message;
    this.status.setAttribute('role', 'alert');
  }
}

function describe(error: unknown): string {
  if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
    return 'Only admins can change documents.';
  }
  return error instanceof Error ? error.message : String(error);
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (className !== undefined) created.className = className;
  return created;
}

function button(label: string, className: string, onClick: () => void): HTMLButtonElement {
  const created = element('button', className);
  created.type = 'button';
  created.textContent = label;
  created.addEventListener('click', onClick);
  return created;
}
