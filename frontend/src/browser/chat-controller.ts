import { type AnswerOutcome, type ChatTurn, fetchStats, streamAnswer } from './api-client';
import { describeFailure } from './chat-failure';
import type { Composer } from './composer';
import type { ConversationView } from './conversation-view';
import { withExchange } from './history';
import type { Stats } from './protocol';

export interface ChatDeps {
  readonly apiBase: string;
  readonly conversation: ConversationView;
  readonly composer: Composer;
  readonly showStats: (stats: Stats | undefined) => void;
}

/** Owns the conversation state: the finished turns sent as history and the answer in flight. */
export class ChatController {
  private history: readonly ChatTurn[] = [];
  private running: AbortController | undefined;

  constructor(private readonly deps: ChatDeps) {}

  async refreshStats(): Promise<void> {
    this.deps.showStats(await fetchStats(this.deps.apiBase));
  }

  /** Starts an answer unless one is already running; says whether it started. */
  ask(question: string): boolean {
    if (this.running !== undefined) return false;
    void this.answer(question);
    return true;
  }

  private async answer(question: string): Promise<void> {
    const controller = new AbortController();
    this.running = controller;
    this.deps.composer.setRunning(true);
    this.deps.conversation.addQuestion(question);
    const answer = this.deps.conversation.addAnswer();

    const outcome: AnswerOutcome = await streamAnswer(
      this.deps.apiBase,
      { query: question, history: this.history },
      { onSources: (sources) => answer.showSources(sources), onToken: (text) => answer.appendToken(text) },
      controller.signal,
    );
    // "New chat" may have discarded this answer while it streamed.
    if (this.running !== controller) return;
    this.running = undefined;
    this.deps.composer.setRunning(false);

    if (outcome.kind === 'done') {
      answer.finish(outcome.answer);
      this.history = withExchange(this.history, question, outcome.answer);
      await this.refreshStats();
    } else if (outcome.kind === 'stopped') {
      answer.stop();
    } else {
      answer.fail(describeFailure(outcome.failure), () => this.ask(question));
      if (outcome.failure.kind === 'unavailable') this.deps.showStats(undefined);
    }
  }

  stop(): void {
    this.running?.abort();
  }

  newChat(): void {
    this.running?.abort();
    this.running = undefined;
    this.history = [];
    this.deps.composer.setRunning(false);
    this.deps.conversation.clear();
    this.deps.composer.focus();
    void this.refreshStats();
  }
}
