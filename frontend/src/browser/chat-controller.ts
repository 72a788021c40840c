import type { AnswerView } from './answer-view';
import { type AnswerOutcome, fetchStats, streamAnswer } from './api-client';
import { describeFailure } from './chat-failure';
import type { Composer } from './composer';
import type { ConversationList } from './conversation-list';
import type { ConversationView } from './conversation-view';
import type { ConversationsApi } from './conversations-api';
import type { Feedback, Stats, StoredMessage } from './protocol';

export interface ChatDeps {
  readonly apiBase: string;
  readonly api: ConversationsApi;
  readonly conversation: ConversationView;
  readonly list: ConversationList;
  readonly composer: Composer;
  readonly showStats: (stats: Stats | undefined) => void;
  /** Keeps the open conversation's id where a reload finds it (the page URL). */
  readonly remember: (conversationId: string | undefined) => void;
}

const TITLE_CHARS = 80;

/**
 * Owns the chat state: which stored conversation is open, the answer in flight, and the latest
 * answer (the one that can be regenerated). The backend keeps the history; the page only names the
 * conversation.
 */
export class ChatController {
  private conversationId: string | undefined;
  private running: AbortController | undefined;
  private latest: { readonly view: AnswerView; readonly question: string } | undefined;
  private nextCursor: string | undefined;
  /** Bumped whenever the shown conversation changes, so late results of the old one are dropped. */
  private shown = 0;

  constructor(private readonly deps: ChatDeps) {}

  async refreshStats(): Promise<void> {
    this.deps.showStats(await fetchStats(this.deps.apiBase));
  }

  async loadList(more = false): Promise<void> {
    const result = await this.deps.api.list(more ? this.nextCursor : undefined);
    if (!result.ok) {
      this.deps.list.say('The conversation list could not be loaded.');
      return;
    }
    this.nextCursor = result.value.nextCursor;
    this.deps.list.show(result.value.items, result.value.nextCursor !== undefined, more);
  }

  /** Starts an answer unless one is already running; says whether it started. */
  ask(question: string): boolean {
    if (this.running !== undefined) return false;
    this.deps.conversation.addQuestion(question);
    void this.answer(question, false);
    return true;
  }

  private regenerate(): boolean {
    const latest = this.latest;
    if (this.running !== undefined || latest === undefined) return false;
    latest.view.element.remove();
    void this.answer(latest.question, true);
    return true;
  }

  private async answer(question: string, regenerate: boolean): Promise<void> {
    const controller = new AbortController();
    this.running = controller;
    this.deps.composer.setRunning(true);
    this.latest?.view.withdrawRegenerate();
    const answer = this.deps.conversation.addAnswer();

    const conversationId =
      this.conversationId ?? (await this.startConversation(question, answer, controller));
    if (conversationId === undefined || this.running !== controller) return;
    const outcome: AnswerOutcome = await streamAnswer(
      this.deps.apiBase,
      { query: question, conversationId, ...(regenerate ? { regenerate } : {}) },
      { onSources: (sources) => answer.showSources(sources), onToken: (text) => answer.appendToken(text) },
      controller.signal,
    );
    // "New chat" or another conversation may have replaced this one while it streamed.
    if (this.running !== controller) return;
    this.settle();

    if (outcome.kind === 'done') {
      answer.finish(outcome.answer);
      this.offerActions(conversationId, answer, question, outcome.messageId, undefined);
      const summary = this.deps.list.find(conversationId);
      if (summary !== undefined) this.deps.list.moveToTop(summary);
      await this.refreshStats();
    } else if (outcome.kind === 'stopped') {
      answer.stop();
    } else {
      answer.fail(describeFailure(outcome.failure), () => this.ask(question));
      if (outcome.failure.kind === 'unavailable') this.deps.showStats(undefined);
    }
  }

  /** The first question of a new chat creates its conversation, titled by the question. */
  private async startConversation(
    question: string,
    answer: AnswerView,
    controller: AbortController,
  ): Promise<string | undefined> {
    const title = question.length > TITLE_CHARS ? `${question.slice(0, TITLE_CHARS - 1)}…` : question;
    const created = await this.deps.api.create(title.replace(/\s+/g, ' '));
    if (this.running !== controller) return undefined;
    if (!created.ok) {
      this.settle();
      answer.fail(describeFailure(created.failure), () => this.ask(question));
      return undefined;
    }
    this.conversationId = created.value.id;
    this.deps.remember(created.value.id);
    this.deps.list.moveToTop(created.value);
    this.deps.list.setActive(created.value.id);
    return created.value.id;
  }

  private settle(): void {
    this.running = undefined;
    this.deps.composer.setRunning(false);
  }

  private offerActions(
    conversationId: string,
    view: AnswerView,
    question: string,
    messageId: string | undefined,
    feedback: Feedback | undefined,
  ): void {
    this.latest = { view, question };
    view.showActions({
      regenerate: messageId === undefined ? undefined : () => this.regenerate(),
      rate:
        messageId === undefined
          ? undefined
          : async (rating) => (await this.deps.api.rate(conversationId, messageId, rating)).ok,
      feedback,
    });
  }

  stop(): void {
    this.running?.abort();
  }

  newChat(): void {
    this.discard();
    this.deps.remember(undefined);
    this.deps.list.setActive(undefined);
    this.deps.composer.focus();
    void this.refreshStats();
  }

  /** Shows a stored conversation; a running answer elsewhere is stopped first. */
  async open(id: string): Promise<void> {
    this.discard();
    const shown = this.shown;
    const result = await this.deps.api.open(id);
    if (shown !== this.shown) return;
    if (!result.ok) {
      this.deps.remember(undefined);
      this.deps.list.say('That conversation could not be opened.');
      return;
    }
    this.conversationId = id;
    this.deps.remember(id);
    this.deps.list.setActive(id);
    for (const message of result.value.messages) this.showStored(id, message);
    this.deps.composer.focus();
  }

  async rename(id: string, title: string): Promise<void> {
    const result = await this.deps.api.rename(id, title);
    if (result.ok) {
      this.deps.list.moveToTop(result.value);
      this.deps.list.say(`Renamed to “${result.value.title}”.`);
    } else {
      this.deps.list.say('The conversation could not be renamed.');
    }
  }

  async remove(id: string): Promise<void> {
    const title = this.deps.list.find(id)?.title ?? 'the conversation';
    const result = await this.deps.api.remove(id);
    if (!result.ok) {
      this.deps.list.say(`“${title}” could not be deleted.`);
      return;
    }
    this.deps.list.remove(id);
    this.deps.list.say(`Deleted “${title}”.`);
    if (this.conversationId === id) this.newChat();
  }

  async removeAll(): Promise<void> {
    const result = await this.deps.api.removeAll();
    if (!result.ok) {
      this.deps.list.say('The conversations could not be deleted.');
      return;
    }
    this.deps.list.clear();
    this.deps.list.say('Deleted all conversations.');
    this.newChat();
  }

  private showStored(conversationId: string, message: StoredMessage): void {
    this.deps.conversation.addQuestion(message.question);
    const view = this.deps.conversation.addAnswer();
    view.showSources(message.sources);
    view.finish(message.answer);
    this.latest?.view.withdrawRegenerate();
    this.offerActions(conversationId, view, message.question, message.id, message.feedback);
  }

  private discard(): void {
    this.shown += 1;
    this.running?.abort();
    this.running = undefined;
    this.conversationId = undefined;
    this.latest = undefined;
    this.deps.composer.setRunning(false);
    this.deps.conversation.clear();
  }
}
