import type { ConversationSummary } from './protocol';

export interface ConversationListHandlers {
  onOpen(id: string): void;
  onRename(id: string, title: string): void;
  onDelete(id: string): void;
  onDeleteAll(): void;
  onMore(): void;
}

export interface ConversationListElements {
  readonly panel: HTMLElement;
  readonly toggle: HTMLButtonElement;
  readonly list: HTMLUListElement;
  readonly status: HTMLElement;
  readonly more: HTMLButtonElement;
  readonly deleteAll: HTMLButtonElement;
}

/**
 * The conversation list beside the chat: open, rename in place, delete; on a phone it is a panel
 * the header button shows and hides. It only draws what it is told, so the chat streaming beside
 * it is never touched when it changes.
 */
export class ConversationList {
  private items: ConversationSummary[] = [];
  private activeId: string | undefined;
  private confirmingDeleteAll = false;
  /** The row being renamed survives re-renders (an answer finishing moves rows meanwhile). */
  private editing: { readonly id: string; readonly row: HTMLLIElement } | undefined;

  constructor(
    private readonly elements: ConversationListElements,
    private readonly handlers: ConversationListHandlers,
  ) {
    elements.toggle.addEventListener('click', () => this.setOpen(!this.isOpen()));
    elements.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.isOpen()) {
        this.setOpen(false);
        elements.toggle.focus();
      }
    });
    elements.more.addEventListener('click', () => handlers.onMore());
    elements.deleteAll.addEventListener('click', () => this.deleteAll());
  }

  /**
   * Replaces the list with a first page, or adds a further page. A conversation started while the
   * first page was loading is newer than anything on it, and stays.
   */
  show(items: readonly ConversationSummary[], hasMore: boolean, append = false): void {
    const incoming = new Set(items.map((item) => item.id));
    const newest = items[0]?.updatedAt ?? '';
    const kept = append
      ? this.items
      : this.items.filter((item) => !incoming.has(item.id) && item.updatedAt > newest);
    const known = new Set(kept.map((item) => item.id));
    this.items = [...kept, ...items.filter((item) => !known.has(item.id))];
    this.elements.more.hidden = !hasMore;
    this.render();
  }

  clear(): void {
    this.items = [];
    this.elements.more.hidden = true;
    this.render();
  }

  /** Puts the conversation at the top: it is new, or it just got an answer or a title. */
  moveToTop(summary: ConversationSummary): void {
    this.items = [summary, ...this.items.filter((item) => item.id !== summary.id)];
    this.render();
  }

  update(summary: ConversationSummary): void {
    this.items = this.items.map((item) => (item.id === summary.id ? summary : item));
    this.render();
  }

  /** When focus was in the list, it moves to the neighbouring conversation (or the panel). */
  remove(id: string): void {
    const index = this.items.findIndex((item) => item.id === id);
    const hadFocus = this.elements.panel.contains(document.activeElement);
    this.items = this.items.filter((item) => item.id !== id);
    this.render();
    if (!hadFocus) return;
    const buttons = this.elements.list.querySelectorAll<HTMLButtonElement>('button.conversation-open');
    const neighbour = buttons[Math.min(index, buttons.length - 1)];
    if (neighbour !== undefined) neighbour.focus();
    else
      this.elements.toggle.offsetParent === null
        ? this.elements.status.focus()
        : this.elements.toggle.focus();
  }

  find(id: string): ConversationSummary | undefined {
    return this.items.find((item) => item.id === id);
  }

  setActive(id: string | undefined): void {
    this.activeId = id;
    for (const button of this.elements.list.querySelectorAll<HTMLButtonElement>('button.conversation-open')) {
      if (button.dataset.id === id) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
  }

  /** Announced politely, e.g. "Deleted …" or a failure. */
  say(message: string): void {
    this.elements.status.textContent = message;
  }

  close(): void {
    this.setOpen(false);
  }

  private isOpen(): boolean {
    return this.elements.toggle.getAttribute('aria-expanded') === 'true';
  }

  private setOpen(open: boolean): void {
    this.elements.toggle.setAttribute('aria-expanded', String(open));
    this.elements.panel.classList.toggle('open', open);
  }

  private deleteAll(): void {
    const button = this.elements.deleteAll;
    if (!this.confirmingDeleteAll) {
      // A second press confirms, so one stray press never deletes everything.
      this.confirmingDeleteAll = true;
      button.textContent = 'Press again to delete all';
      setTimeout(() => {
        this.confirmingDeleteAll = false;
        button.textContent = 'Delete all conversations';
      }, 5000);
      return;
    }
    this.confirmingDeleteAll = false;
    button.textContent = 'Delete all conversations';
    this.handlers.onDeleteAll();
  }

  private render(): void {
    const rows = this.items.map((item) => this.renderItem(item));
    this.elements.list.replaceChildren(...rows);
    this.elements.deleteAll.hidden = this.items.length === 0;
    if (this.items.length === 0) {
      const empty = document.createElement('li');
      empty.className = 'conversation-empty';
      empty.textContent = 'No conversations yet.';
      this.elements.list.append(empty);
    }
    this.setActive(this.activeId);
  }

  private renderItem(item: ConversationSummary): HTMLLIElement {
    if (this.editing?.id === item.id) return this.editing.row;
    const row = document.createElement('li');
    row.className = 'conversation-item';
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'conversation-open';
    open.dataset.id = item.id;
    open.textContent = item.title;
    open.addEventListener('click', () => {
      this.handlers.onOpen(item.id);
      this.setOpen(false);
    });
    const rename = iconButton('✎', `Rename “${item.title}”`, 'conversation-rename');
    rename.addEventListener('click', () => this.startRename(row, item));
    const remove = iconButton('✕', `Delete “${item.title}”`, 'conversation-delete');
    remove.addEventListener('click', () => this.handlers.onDelete(item.id));
    row.append(open, rename, remove);
    return row;
  }

  /** Enter saves, Escape cancels; leaving the field saves too. */
  private startRename(row: HTMLLIElement, item: ConversationSummary): void {
    const input = document.createElement('input');
    input.type = 'text';
    input.className = 'conversation-title-input';
    input.value = item.title;
    input.maxLength = 200;
    input.setAttribute('aria-label', `New title for “${item.title}”`);
    let done = false;
    const finish = (save: boolean) => {
      if (done) return;
      done = true;
      this.editing = undefined;
      const title = input.value.trim();
      if (save && title !== '' && title !== item.title) this.handlers.onRename(item.id, title);
      this.render();
      this.elements.list.querySelector<HTMLButtonElement>(`button[data-id="${item.id}"]`)?.focus();
    };
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        finish(true);
      } else if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        finish(false);
      }
    });
    input.addEventListener('blur', () => finish(true));
    this.editing = { id: item.id, row };
    row.replaceChildren(input);
    input.focus();
    input.select();
  }
}

function iconButton(symbol: string, label: string, className: string): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = `icon-button ${className}`;
  button.textContent = symbol;
  button.setAttribute('aria-label', label);
  button.title = label;
  return button;
}
