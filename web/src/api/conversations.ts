import { ApiError, errorFromResponse, isAbortError, messages } from './errors';

export type MessageStatus = 'streaming' | 'complete' | 'stopped' | 'error' | 'interrupted';

export interface ConversationMessage {
  id: string;
  conversation_id: string;
  role: 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  stop_reason: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  created_at: string;
  version_count: number;
}

export interface Conversation {
  id: string;
  title: string;
  created_at: string;
  updated_at: string;
  messages: ConversationMessage[];
}

/** GET /api/conversations/{id}: the conversation with its shown messages, in order. */
export async function getConversation(
  id: string,
  signal?: AbortSignal,
  fetchImpl: typeof fetch = (...args) => fetch(...args),
): Promise<Conversation> {
  let response: Response;
  try {
    response = await fetchImpl(`/api/conversations/${encodeURIComponent(id)}`, {
      headers: { Accept: 'application/json' },
      signal,
    });
  } catch (error) {
    if (isAbortError(error) || signal?.aborted) throw error;
    throw new ApiError('network', messages.network);
  }
  if (!response.ok) throw await errorFromResponse(response);
  try {
    return (await response.json()) as Conversation;
  } catch {
    throw new ApiError('malformed_stream', messages.malformed, response.status);
  }
}
