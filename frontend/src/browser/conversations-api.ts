import { type ApiResult, callApi } from './api-client';
import {
  type ConversationPage,
  type ConversationSummary,
  decodeConversation,
  decodeConversationPage,
  decodeConversationSummary,
  decodeFeedback,
  type Feedback,
} from './protocol';

/** The backend's conversation routes; every call resolves with a result, none throws. */
export class ConversationsApi {
  constructor(private readonly apiBase: string) {}

  list(cursor?: string): Promise<ApiResult<ConversationPage>> {
    const query = cursor === undefined ? '' : `?cursor=${encodeURIComponent(cursor)}`;
    return callApi(this.apiBase, `/api/conversations${query}`, { method: 'GET' }, decodeConversationPage);
  }

  create(title: string): Promise<ApiResult<ConversationSummary>> {
    return callApi(
      this.apiBase,
      '/api/conversations',
      { method: 'POST', body: { title } },
      decodeConversationSummary,
    );
  }

  open(id: string) {
    return callApi(
      this.apiBase,
      `/api/conversations/${encodeURIComponent(id)}`,
      { method: 'GET' },
      decodeConversation,
    );
  }

  rename(id: string, title: string): Promise<ApiResult<ConversationSummary>> {
    return callApi(
      this.apiBase,
      `/api/conversations/${encodeURIComponent(id)}`,
      { method: 'PATCH', body: { title } },
      decodeConversationSummary,
    );
  }

  remove(id: string): Promise<ApiResult<true>> {
    return callApi(
      this.apiBase,
      `/api/conversations/${encodeURIComponent(id)}`,
      { method: 'DELETE' },
      () => true,
    );
  }

  removeAll(): Promise<ApiResult<true>> {
    return callApi(this.apiBase, '/api/conversations', { method: 'DELETE' }, () => true);
  }

  rate(conversationId: string, messageId: string, feedback: Feedback): Promise<ApiResult<Feedback>> {
    return callApi(
      this.apiBase,
      `/api/conversations/${encodeURIComponent(conversationId)}/messages/${encodeURIComponent(messageId)}/feedback`,
      { method: 'PUT', body: feedback },
      decodeFeedback,
    );
  }
}
