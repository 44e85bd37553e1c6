import { createStore, useStore } from 'zustand';
import {
  deleteConversation,
  listConversations,
  renameConversation,
  type ConversationPage,
  type ConversationSummary,
  type ListQuery,
} from '../api/conversations';
import { ApiError, isAbortError } from '../api/errors';
import { searchConversations, type SearchHit } from '../api/search';

export const PAGE_SIZE = 30;
/** Typing in the search box waits this long before asking the server. */
export const SEARCH_DELAY_MS = 250;

export interface ConversationsState {
  items: ConversationSummary[];
  nextCursor: string | null;
  query: string;
  /** What the search found in titles and messages; null when there is no search. */
  results: SearchHit[] | null;
  loading: boolean;
  error: string | null;
  /** First page for the current query (drops what was loaded). */
  load: () => Promise<void>;
  loadMore: () => Promise<void>;
  /** Fetches the first page again and keeps the older pages already shown (after a new answer). */
  refresh: () => Promise<void>;
  /** Sets the search text; the request leaves after SEARCH_DELAY_MS without typing. */
  search: (query: string) => void;
  /** A conversation this page just started: listed at once, before the server has saved it. */
  addStarted: (id: string, title: string) => void;
  rename: (id: string, title: string) => Promise<boolean>;
  remove: (id: string) => Promise<boolean>;
}

export interface ConversationsDeps {
  list: (query: ListQuery, signal: AbortSignal) => Promise<ConversationPage>;
  rename: (id: string, title: string) => Promise<ConversationSummary>;
  remove: (id: string) => Promise<void>;
  find: (query: string, signal: AbortSignal) => Promise<SearchHit[]>;
  setTimeout: (callback: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

const defaultDeps: ConversationsDeps = {
  list: (query, signal) => listConversations(query, signal),
  rename: (id, title) => renameConversation(id, title),
  remove: (id) => deleteConversation(id),
  find: (query, signal) => searchConversations(query, signal),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const messageOf = (error: unknown) =>
  error instanceof ApiError ? error.message : 'Une erreur inattendue est survenue. Réessayez.';

export function createConversationsStore(overrides: Partial<ConversationsDeps> = {}) {
  const deps: ConversationsDeps = { ...defaultDeps, ...overrides };

  return createStore<ConversationsState>()((set, get) => {
    // The latest list request wins; an older answer (previous search text) is dropped.
    let controller: AbortController | null = null;
    let searchTimer: unknown = null;
    let searchController: AbortController | null = null;

    const runSearch = async () => {
      searchController?.abort();
      const q = get().query.trim();
      if (!q) {
        set({ results: null });
        return;
      }
      const current = new AbortController();
      searchController = current;
      set({ loading: true, error: null });
      try {
        const results = await deps.find(q, current.signal);
        if (searchController === current) set({ results, loading: false });
      } catch (error) {
        if (searchController !== current || isAbortError(error)) return;
        set({ loading: false, error: messageOf(error) });
      }
    };

    const fetchPage = async (cursor: string | null) => {
      controller?.abort();
      const current = new AbortController();
      controller = current;
      set({ loading: true, error: null });
      try {
        const page = await deps.list({ limit: PAGE_SIZE, cursor }, current.signal);
        if (controller !== current) return null;
        set({ loading: false });
        return page;
      } catch (error) {
        if (controller !== current || isAbortError(error)) return null;
        set({ loading: false, error: messageOf(error) });
        return null;
      } finally {
        if (controller === current) controller = null;
      }
    };

    return {
      items: [],
      nextCursor: null,
      query: '',
      results: null,
      loading: false,
      error: null,

      load: async () => {
        const page = await fetchPage(null);
        if (page) set({ items: page.items, nextCursor: page.next_cursor });
      },

      loadMore: async () => {
        const cursor = get().nextCursor;
        if (!cursor || get().loading) return;
        const page = await fetchPage(cursor);
        if (!page) return;
        const known = new Set(get().items.map((c) => c.id));
        set((state) => ({
          items: [...state.items, ...page.items.filter((c) => !known.has(c.id))],
          nextCursor: page.next_cursor,
        }));
      },

      refresh: async () => {
        const olderPagesShown = get().items.length > PAGE_SIZE;
        const page = await fetchPage(null);
        if (!page) return;
        if (!olderPagesShown) {
          set({ items: page.items, nextCursor: page.next_cursor });
          return;
        }
        const fresh = new Set(page.items.map((c) => c.id));
        set((state) => ({ items: [...page.items, ...state.items.filter((c) => !fresh.has(c.id))] }));
      },

      search: (query) => {
        set({ query });
        if (searchTimer !== null) deps.clearTimeout(searchTimer);
        searchTimer = deps.setTimeout(() => {
          searchTimer = null;
          void runSearch();
        }, SEARCH_DELAY_MS);
      },

      addStarted: (id, title) => {
        if (get().items.some((c) => c.id === id)) return;
        const now = new Date().toISOString();
        set((state) => ({ items: [{ id, title, created_at: now, updated_at: now, message_count: 2 }, ...state.items] }));
      },

      rename: async (id, title) => {
        const text = title.trim();
        if (text === '') return false;
        const before = get().items;
        set({ items: before.map((c) => (c.id === id ? { ...c, title: text } : c)), error: null });
        try {
          const saved = await deps.rename(id, text);
          set((state) => ({ items: state.items.map((c) => (c.id === id ? { ...c, title: saved.title } : c)) }));
          return true;
        } catch (error) {
          set({ items: before, error: messageOf(error) });
          return false;
        }
      },

      remove: async (id) => {
        set({ error: null });
        try {
          await deps.remove(id);
        } catch (error) {
          // Already gone is what the user wanted.
          if (!(error instanceof ApiError && error.code === 'not_found')) {
            set({ error: messageOf(error) });
            return false;
          }
        }
        set((state) => ({ items: state.items.filter((c) => c.id !== id) }));
        return true;
      },
    };
  });
}

export const conversationsStore = createConversationsStore();

export function useConversationsStore<T>(selector: (state: ConversationsState) => T): T {
  return useStore(conversationsStore, selector);
}
