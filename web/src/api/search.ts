import { defaultFetch, requestJson } from './http';

/** One place a search found (GET /api/search). The snippet marks the words with \u0002 … \u0003, never HTML. */
export interface SearchHit {
  conversation_id: string;
  title: string;
  updated_at: string;
  /** Null when the title matched. */
  message_id: string | null;
  role: 'user' | 'assistant' | null;
  snippet: string;
}

export const MARK_START = '\u0002';
export const MARK_END = '\u0003';

export async function searchConversations(q: string, signal?: AbortSignal, fetchImpl = defaultFetch): Promise<SearchHit[]> {
  const params = new URLSearchParams({ q, limit: '30' });
  return (await requestJson<{ results: SearchHit[] }>(`/api/search?${params}`, { signal }, fetchImpl)).results;
}

/** The snippet as text pieces, every other one matched: the page highlights them without ever parsing HTML. */
export function snippetParts(snippet: string): { text: string; match: boolean }[] {
  const parts: { text: string; match: boolean }[] = [];
  let match = false;
  let current = '';
  for (const char of snippet) {
    if (char === MARK_START || char === MARK_END) {
      if (current) parts.push({ text: current, match });
      current = '';
      match = char === MARK_START;
    } else current += char;
  }
  if (current) parts.push({ text: current, match });
  return parts;
}
