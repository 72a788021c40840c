import type { AnswerTimings, SourceView } from '../rag/answer';

export interface ConversationSummary {
  readonly id: string;
  readonly title: string;
  /** ISO 8601; `updatedAt` moves with every new answer and rename. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type Rating = 'up' | 'down';

export interface FeedbackView {
  readonly rating: Rating;
  readonly comment: string | null;
}

/** One answered question, as it was shown. */
export interface StoredMessage {
  readonly id: string;
  readonly question: string;
  readonly answer: string;
  readonly sources: readonly SourceView[];
  readonly mode: string;
  readonly model: string;
  readonly timings: AnswerTimings;
  readonly createdAt: string;
  /** This answer's feedback, when some was given. */
  readonly feedback: FeedbackView | null;
}

export interface ConversationDetail extends ConversationSummary {
  /** Oldest first. */
  readonly messages: readonly StoredMessage[];
}

export interface ConversationPage {
  readonly items: readonly ConversationSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** What an answered query adds to a conversation. */
export interface NewMessage {
  readonly question: string;
  readonly answer: string;
  readonly sources: readonly SourceView[];
  readonly mode: string;
  readonly model: string;
  readonly timings: AnswerTimings;
}

/** A question asked within a stored conversation: its history comes from the conversation. */
export interface ConversationTarget {
  readonly id: string;
  /** Answer the conversation's last question again, replacing its last answer. */
  readonly regenerate: boolean;
}
