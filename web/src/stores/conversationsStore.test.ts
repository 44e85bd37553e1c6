import { describe, expect, it, vi } from 'vitest';
import type { ConversationSummary, ListQuery } from '../api/conversations';
import { ApiError } from '../api/errors';
import { createConversationsStore, SEARCH_DELAY_MS } from './conversationsStore';

const summary = (id: string, title = `Titre ${id}`): ConversationSummary => ({
  id,
  title,
  created_at: '2025-01-01T00:00:00Z',
  updated_at: '2025-01-01T00:00:00Z',
  message_count: 2,
});

function setup() {
  const queries: ListQuery[] = [];
  const timers: { cb: () => void; ms: number }[] = [];
  const list = vi.fn(async (query: ListQuery) => {
    queries.push(query);
    if (query.cursor === 'p2') return { items: [summary('c3')], next_cursor: null };
    if (query.q) return { items: [summary('c2', 'Budget')], next_cursor: null };
    return { items: [summary('c1'), summary('c2', 'Budget')], next_cursor: 'p2' };
  });
  const rename = vi.fn(async (id: string, title: string) => summary(id, title));
  const remove = vi.fn(async () => {});
  const find = vi.fn(async (q: string) => [
    { conversation_id: 'c2', title: 'Budget', updated_at: '', message_id: 'm7', role: 'assistant' as const, snippet: `le \u0002${q}\u0003 voté` },
  ]);
  const store = createConversationsStore({
    list,
    rename,
    remove,
    find,
    setTimeout: (cb, ms) => timers.push({ cb, ms }),
    clearTimeout: () => {},
  });
  return { store, find, queries, timers, list, rename, remove };
}

describe('conversationsStore', () => {
  it('loads the first page, then the next one with the cursor', async () => {
    const { store, queries } = setup();
    await store.getState().load();
    expect(store.getState().items.map((c) => c.id)).toEqual(['c1', 'c2']);
    expect(store.getState().nextCursor).toBe('p2');
    await store.getState().loadMore();
    expect(queries[1].cursor).toBe('p2');
    expect(store.getState().items.map((c) => c.id)).toEqual(['c1', 'c2', 'c3']);
    expect(store.getState().nextCursor).toBeNull();
  });

  it('debounces the search, finds words in titles and messages, and clears with the query', async () => {
    const { store, timers, find } = setup();
    store.getState().search('bud');
    store.getState().search('budget');
    expect(find).not.toHaveBeenCalled();
    expect(timers.at(-1)?.ms).toBe(SEARCH_DELAY_MS);
    timers.at(-1)!.cb();
    await vi.waitFor(() => expect(store.getState().results?.map((r) => r.message_id)).toEqual(['m7']));
    expect(find).toHaveBeenCalledTimes(1);
    expect(find).toHaveBeenCalledWith('budget', expect.anything());

    store.getState().search('  ');
    timers.at(-1)!.cb();
    await vi.waitFor(() => expect(store.getState().results).toBeNull());
  });

  it('lists a conversation this page started before the server has saved it', () => {
    const { store } = setup();
    store.getState().addStarted('c9', 'Nouvelle idée');
    store.getState().addStarted('c9', 'Nouvelle idée');
    expect(store.getState().items.map((c) => [c.id, c.title])).toEqual([['c9', 'Nouvelle idée']]);
  });

  it('renames and removes, and restores the title when the rename fails', async () => {
    const { store, rename } = setup();
    await store.getState().load();
    expect(await store.getState().rename('c1', '  Nouveau titre ')).toBe(true);
    expect(rename).toHaveBeenCalledWith('c1', 'Nouveau titre');
    expect(store.getState().items[0].title).toBe('Nouveau titre');

    rename.mockRejectedValueOnce(new ApiError('invalid_request', 'Titre trop long.'));
    expect(await store.getState().rename('c1', 'x')).toBe(false);
    expect(store.getState().items[0].title).toBe('Nouveau titre');
    expect(store.getState().error).toBe('Titre trop long.');

    expect(await store.getState().remove('c1')).toBe(true);
    expect(store.getState().items.map((c) => c.id)).toEqual(['c2']);
  });
});
