import type { MessagePart } from '../stores/messageParts';
import { defaultFetch, jsonBody, requestJson as request } from './http';

export type MessageStatus = 'streaming' | 'complete' | 'stopped' | 'error' | 'interrupted';

export interface ConversationMessage {
  id: string;
  conversation_id: string;
  role: 'user' | 'assistant';
  /** The answer text alone. */
  content: string;
  /** Everything in order: reasoning, text… (absent from older servers: then `content` is all there is). */
  parts?: MessagePart[];
  /** All the reasoning, and how long it took in all; null when the model did not reason. */
  reasoning?: string | null;
  reasoning_ms?: number | null;
  status: MessageStatus;
  stop_reason: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  created_at: string;
  version_count: number;
  /** 1 for the first answer at its place, 2, 3… for each regeneration. */
  version: number;
}

export interface ConversationSummary {
  id: string;
  title: string;
  created_at: string;
  updated_at: string;
  message_count: number;
}

export interface Conversation {
  id: string;
  title: string;
  created_at: string;
  updated_at: string;
  messages: ConversationMessage[];
  /** Earlier messages are on another page (`?before=`); null once the page starts the conversation. */
  earlier_cursor?: string | null;
}

export interface ConversationPage {
  items: ConversationSummary[];
  next_cursor: string | null;
}

export interface ListQuery {
  limit?: number;
  cursor?: string | null;
  q?: string;
}

const conversationUrl = (id: string) => `/api/conversations/${encodeURIComponent(id)}`;

/** GET /api/conversations: most recently updated first, `q` filters by title. */
export function listConversations(query: ListQuery = {}, signal?: AbortSignal, fetchImpl = defaultFetch) {
  const params = new URLSearchParams();
  if (query.limit) params.set('limit', String(query.limit));
  if (query.cursor) params.set('cursor', query.cursor);
  if (query.q) params.set('q', query.q);
  const search = params.toString();
  return request<ConversationPage>(`/api/conversations${search ? `?${search}` : ''}`, { signal }, fetchImpl);
}

/**
 * GET /api/conversations/{id}: the conversation with all its shown messages, in order. The server sends
 * them a page at a time (Therese:Limits:MaxMessagesPerPage), latest first: earlier pages are prepended.
 */
export async function getConversation(id: string, signal?: AbortSignal, fetchImpl = defaultFetch) {
  const conversation = await request<Conversation>(conversationUrl(id), { signal }, fetchImpl);
  let cursor = conversation.earlier_cursor ?? null;
  while (cursor) {
    const earlier = await request<Conversation>(
      `${conversationUrl(id)}?before=${encodeURIComponent(cursor)}`,
      { signal },
      fetchImpl,
    );
    conversation.messages = [...earlier.messages, ...conversation.messages];
    cursor = earlier.earlier_cursor ?? null;
  }
  return { ...conversation, earlier_cursor: null };
}

/** PATCH /api/conversations/{id} with a new title. */
export function renameConversation(id: string, title: string, fetchImpl = defaultFetch) {
  return request<ConversationSummary>(
    conversationUrl(id),
    jsonBody('PATCH', { title }),
    fetchImpl,
  );
}

/** DELETE /api/conversations/{id}; the messages go with it. */
export function deleteConversation(id: string, fetchImpl = defaultFetch) {
  return request<void>(conversationUrl(id), { method: 'DELETE' }, fetchImpl);
}

/** GET …/messages/{id}/versions: every version of an answer, oldest first. */
export async function listVersions(conversationId: string, messageId: string, fetchImpl = defaultFetch) {
  const url = `${conversationUrl(conversationId)}/messages/${encodeURIComponent(messageId)}/versions`;
  return (await request<{ versions: ConversationMessage[] }>(url, {}, fetchImpl)).versions;
}

/** POST …/messages/{id}/show: this version is the one shown (and read by the model next). */
export function showVersion(conversationId: string, messageId: string, fetchImpl = defaultFetch) {
  const url = `${conversationUrl(conversationId)}/messages/${encodeURIComponent(messageId)}/show`;
  return request<Conversation>(url, { method: 'POST' }, fetchImpl);
}
