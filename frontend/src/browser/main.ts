import { ChatController } from './chat-controller';
import { Composer } from './composer';
import { ConversationList } from './conversation-list';
import { ConversationView } from './conversation-view';
import { ConversationsApi } from './conversations-api';
import { DocumentsView } from './documents-view';
import { PassageView } from './passage-view';
import { showSignInNotice } from './sign-in-notice';
import { showStats } from './stats-view';

/** The URL parameter naming the open conversation, so a reload reopens it. */
const CONVERSATION_PARAM = 'conversation';

/** Wires the page's elements to the chat; the base path comes from the page the server rendered. */
function start(): void {
  const apiBase = document.querySelector<HTMLMetaElement>('meta[name="ragchat-base-path"]')?.content ?? '';
  const stats = required('stats', HTMLElement);
  const composer = new Composer(
    required('composer', HTMLFormElement),
    required('question', HTMLTextAreaElement),
    required('send', HTMLButtonElement),
    required('stop', HTMLButtonElement),
  );
  const list = new ConversationList(
    {
      panel: required('conversations', HTMLElement),
      toggle: required('conversations-toggle', HTMLButtonElement),
      list: required('conversation-list', HTMLUListElement),
      status: required('conversations-status', HTMLElement),
      more: required('conversations-more', HTMLButtonElement),
      deleteAll: required('conversations-delete-all', HTMLButtonElement),
    },
    {
      onOpen: (id) => void chat.open(id),
      onRename: (id, title) => void chat.rename(id, title),
      onDelete: (id) => void chat.remove(id),
      onDeleteAll: () => void chat.removeAll(),
      onMore: () => void chat.loadList(true),
    },
  );
  const chat = new ChatController({
    apiBase,
    api: new ConversationsApi(apiBase),
    conversation: new ConversationView(
      required('conversation', HTMLOListElement),
      required('intro', HTMLElement),
      required('scroller', HTMLElement),
    ),
    list,
    composer,
    showStats: (value) => showStats(stats, value),
    remember,
  });
  composer.listen({ onSubmit: (question) => chat.ask(question), onStop: () => chat.stop() });
  required('new-chat', HTMLButtonElement).addEventListener('click', () => {
    chat.newChat();
    list.close();
  });
  new DocumentsView(apiBase, required('documents-open', HTMLButtonElement), () => void chat.refreshStats());
  new PassageView(apiBase);
  void chat.refreshStats();
  void chat.loadList();
  const reopen = new URL(window.location.href).searchParams.get(CONVERSATION_PARAM);
  if (reopen !== null) void chat.open(reopen);
  void showSignInNotice(apiBase, required('scroller', HTMLElement));
}

function remember(conversationId: string | undefined): void {
  const url = new URL(window.location.href);
  if (conversationId === undefined) url.searchParams.delete(CONVERSATION_PARAM);
  else url.searchParams.set(CONVERSATION_PARAM, conversationId);
  if (url.href !== window.location.href) window.history.replaceState(null, '', url);
}

function required<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`The page is missing #${id}`);
  return element;
}

start();
