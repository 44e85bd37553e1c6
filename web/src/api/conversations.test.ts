// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { getConversation, type ConversationMessage } from './conversations';

const message = (n: number): ConversationMessage => ({
  id: `m${n}`,
  conversation_id: 'c1',
  role: n % 2 ? 'user' : 'assistant',
  content: `message ${n}`,
  status: 'complete',
  stop_reason: null,
  input_tokens: null,
  output_tokens: null,
  created_at: '2026-01-01T00:00:00Z',
  version_count: 1,
  version: 1,
});

const page = (numbers: number[], earlier: string | null) =>
  new Response(
    JSON.stringify({
      id: 'c1',
      title: 'Longue',
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
      messages: numbers.map(message),
      earlier_cursor: earlier,
    }),
    { status: 200, headers: { 'Content-Type': 'application/json' } },
  );

describe('getConversation', () => {
  it('follows the earlier pages and returns every message in order', async () => {
    const fetchImpl = vi
      .fn()
      .mockResolvedValueOnce(page([5, 6], '5'))
      .mockResolvedValueOnce(page([3, 4], '3'))
      .mockResolvedValueOnce(page([1, 2], null));

    const conversation = await getConversation('c1', undefined, fetchImpl as unknown as typeof fetch);

    expect(conversation.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect(conversation.earlier_cursor).toBeNull();
    expect(fetchImpl.mock.calls.map((call) => call[0])).toEqual([
      '/api/conversations/c1',
      '/api/conversations/c1?before=5',
      '/api/conversations/c1?before=3',
    ]);
  });

  it('asks once when the conversation fits in one page', async () => {
    const fetchImpl = vi.fn().mockResolvedValueOnce(page([1, 2], null));
    const conversation = await getConversation('c1', undefined, fetchImpl as unknown as typeof fetch);
    expect(conversation.messages).toHaveLength(2);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
  });
});
