import { ChatController } from './chat-controller';
import { Composer } from './composer';
import { ConversationView } from './conversation-view';
import { DocumentsView } from './documents-view';
import { PassageView } from './passage-view';
import { showStats } from './stats-view';

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
  const chat = new ChatController({
    apiBase,
    conversation: new ConversationView(
      required('conversation', HTMLOListElement),
      required('intro', HTMLElement),
      required('scroller', HTMLElement),
    ),
    composer,
    showStats: (value) => showStats(stats, value),
  });
  composer.listen({ onSubmit: (question) => chat.ask(question), onStop: () => chat.stop() });
  required('new-chat', HTMLButtonElement).addEventListener('click', () => chat.newChat());
  new DocumentsView(apiBase, required('documents-open', HTMLButtonElement), () => void chat.refreshStats());
  new PassageView(apiBase);
  void chat.refreshStats();
}

function required<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`The page is missing #${id}`);
  return element;
}

start();
