import { createStore, useStore } from 'zustand';
import { streamChat, type ChatRequest, type ChatStreamEvent, type Usage } from '../api/chatStream';
import { getConversation, type Conversation, type ConversationMessage } from '../api/conversations';
import { ApiError, isAbortError } from '../api/errors';

export type MessageStatus = 'streaming' | 'complete' | 'stopped' | 'error' | 'interrupted';
export type ChatStatus = 'idle' | 'waiting' | 'streaming' | 'error';
/** Opening a saved conversation: `not_found` when the id is unknown (or deleted). */
export type LoadState = 'idle' | 'loading' | 'ready' | 'not_found' | 'error';

export interface ChatMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  error?: { code: string; message: string };
  usage?: Usage;
  /** The server has this message (a `start` named it, or it was loaded); `id` is then the server's. */
  saved?: boolean;
  /** How many versions of this answer exist (regenerate keeps the older ones, hidden). */
  versionCount?: number;
  /** Loaded with status `streaming`: another request is still writing it, this tab only polls. */
  generatingOnServer?: boolean;
}

export interface ChatState {
  messages: ChatMessage[];
  /** waiting: sent, no token shown yet; streaming: tokens are arriving. */
  status: ChatStatus;
  conversationId: string | null;
  loadState: LoadState;
  loadError: string | null;
  send: (content: string) => Promise<void>;
  stop: () => void;
  /** After a failed answer: regenerate it if the server saved it, otherwise send the request again. */
  retry: () => Promise<void>;
  /** Replaces the last answer with a new one. */
  regenerate: () => Promise<void>;
  /** Carries on a stopped, interrupted or failed last answer; the new text is appended to it. */
  continueAnswer: () => Promise<void>;
  /** Shows a saved conversation (no-op if it is already the current one). */
  openConversation: (id: string) => Promise<void>;
  /** Fetches the open conversation again, e.g. while an answer is still being written on the server. */
  refreshConversation: () => Promise<void>;
  newConversation: () => void;
}

export interface ChatDeps {
  streamChat: (request: ChatRequest, signal: AbortSignal) => AsyncIterable<ChatStreamEvent>;
  getConversation: (id: string, signal: AbortSignal) => Promise<Conversation>;
  requestFrame: (callback: () => void) => number;
  cancelFrame: (handle: number) => void;
  setTimeout: (callback: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  newId: () => string;
}

const defaultDeps: ChatDeps = {
  streamChat: (request, signal) => streamChat(request, signal),
  getConversation: (id, signal) => getConversation(id, signal),
  requestFrame: (callback) => requestAnimationFrame(callback),
  cancelFrame: (handle) => cancelAnimationFrame(handle),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  newId: () => `local-${crypto.randomUUID()}`,
};

/** While a loaded answer is still being written on the server, fetch the conversation this often. */
export const POLL_MS = 2000;

const unexpectedError = { code: 'unexpected', message: 'Une erreur inattendue est survenue. Réessayez.' };
const savedError = { code: 'saved_error', message: 'Cette réponse a échoué avant la fin.' };

/** A message as the server saved it, in the shape the chat shows. */
export function fromSaved(message: ConversationMessage): ChatMessage {
  const mapped: ChatMessage = {
    id: message.id,
    role: message.role,
    content: message.content,
    status: message.status,
    saved: true,
  };
  if (message.role === 'assistant') mapped.versionCount = message.version_count;
  if (message.input_tokens != null && message.output_tokens != null)
    mapped.usage = { input_tokens: message.input_tokens, output_tokens: message.output_tokens };
  if (message.status === 'error') mapped.error = savedError;
  if (message.status === 'streaming') mapped.generatingOnServer = true;
  return mapped;
}

export function createChatStore(overrides: Partial<ChatDeps> = {}) {
  const deps: ChatDeps = { ...defaultDeps, ...overrides };

  return createStore<ChatState>()((set, get) => {
    // One answer streams at a time; these belong to it.
    let controller: AbortController | null = null;
    let assistantId: string | null = null;
    // Deltas land here and reach the store at most once per animation frame.
    let pending = '';
    let frame: number | null = null;
    // The last request, to send again when it failed before the server saved anything.
    let lastRequest: ChatRequest | null = null;
    // Loading a conversation: a newer open/new makes older answers stale.
    let loadToken = 0;
    let loadController: AbortController | null = null;
    let pollTimer: unknown = null;

    const patchAssistant = (patch: (m: ChatMessage) => Partial<ChatMessage>) => {
      const id = assistantId;
      set((state) => ({
        messages: state.messages.map((m) => (m.id === id ? { ...m, ...patch(m) } : m)),
      }));
    };

    const flush = () => {
      if (frame !== null) deps.cancelFrame(frame);
      frame = null;
      if (pending === '') return;
      const text = pending;
      pending = '';
      const id = assistantId;
      set((state) => ({
        status: state.status === 'waiting' ? 'streaming' : state.status,
        messages: state.messages.map((m) => (m.id === id ? { ...m, content: m.content + text } : m)),
      }));
    };

    const onDelta = (text: string) => {
      pending += text;
      if (frame === null) frame = deps.requestFrame(flush);
    };

    /** Ends the current answer: flushes what is buffered and gives the message its final status. */
    const finish = (status: MessageStatus, patch: Partial<ChatMessage> = {}) => {
      flush();
      patchAssistant(() => ({ status, ...patch }));
      set({ status: status === 'error' ? 'error' : 'idle' });
      controller = null;
      assistantId = null;
    };

    /** The server named the answer: take its ids and the text it already holds (continue). */
    const onStart = (event: Extract<ChatStreamEvent, { type: 'start' }>, userLocalId: string | null) => {
      flush();
      const localId = assistantId;
      assistantId = event.message_id;
      set((state) => ({
        conversationId: event.conversation_id,
        status: event.content !== '' && state.status === 'waiting' ? 'streaming' : state.status,
        messages: state.messages.map((m) => {
          if (m.id === localId) return { ...m, id: event.message_id, content: event.content, saved: true };
          if (userLocalId && m.id === userLocalId && event.user_message_id)
            return { ...m, id: event.user_message_id, saved: true };
          return m;
        }),
      }));
    };

    const run = async (request: ChatRequest, userLocalId: string | null = null) => {
      const current = new AbortController();
      controller = current;
      lastRequest = request;

      const isCurrent = () => controller === current && !current.signal.aborted;
      try {
        for await (const event of deps.streamChat(request, current.signal)) {
          if (!isCurrent()) return;
          switch (event.type) {
            case 'start':
              onStart(event, userLocalId);
              break;
            case 'delta':
              onDelta(event.content);
              break;
            case 'ping':
              break;
            case 'done':
              finish('complete', event.usage ? { usage: event.usage } : {});
              return;
            case 'error':
              finish('error', { error: event.error });
              return;
          }
        }
        if (isCurrent()) finish('complete');
      } catch (error) {
        if (!isCurrent() || isAbortError(error)) return;
        finish('error', {
          error: error instanceof ApiError ? { code: error.code, message: error.message } : unexpectedError,
        });
      }
    };

    const withConversation = (request: ChatRequest): ChatRequest => {
      const conversationId = get().conversationId;
      return conversationId ? { ...request, conversation_id: conversationId } : request;
    };

    const startAnswer = (userMessage: ChatMessage | null, replaceLast = false, versionCount?: number) => {
      assistantId = deps.newId();
      const assistant: ChatMessage = { id: assistantId, role: 'assistant', content: '', status: 'streaming' };
      if (versionCount) assistant.versionCount = versionCount;
      set((state) => {
        const kept = replaceLast ? state.messages.slice(0, -1) : state.messages;
        return { status: 'waiting', messages: userMessage ? [...kept, userMessage, assistant] : [...kept, assistant] };
      });
    };

    const isBusy = () => get().status === 'waiting' || get().status === 'streaming';

    const stopPolling = () => {
      if (pollTimer !== null) deps.clearTimeout(pollTimer);
      pollTimer = null;
    };

    const pollIfGenerating = () => {
      stopPolling();
      if (get().messages.some((m) => m.generatingOnServer))
        pollTimer = deps.setTimeout(() => void get().refreshConversation(), POLL_MS);
    };

    /** Leaves the current conversation: its stream (the server saves it as stopped), load and poll. */
    const leave = () => {
      controller?.abort();
      controller = null;
      assistantId = null;
      pending = '';
      if (frame !== null) deps.cancelFrame(frame);
      frame = null;
      lastRequest = null;
      loadController?.abort();
      loadController = null;
      stopPolling();
      return ++loadToken;
    };

    const fetchConversation = async (id: string, token: number) => {
      const current = new AbortController();
      loadController = current;
      try {
        const conversation = await deps.getConversation(id, current.signal);
        if (token !== loadToken) return;
        set({ messages: conversation.messages.map(fromSaved), loadState: 'ready', loadError: null });
        pollIfGenerating();
      } catch (error) {
        if (token !== loadToken || isAbortError(error)) return;
        if (error instanceof ApiError && (error.code === 'not_found' || error.status === 404)) {
          set({ loadState: 'not_found', messages: [] });
        } else if (get().loadState === 'loading') {
          set({ loadState: 'error', loadError: error instanceof ApiError ? error.message : unexpectedError.message });
        } else {
          // A failed poll: try again later rather than hide what is shown.
          pollIfGenerating();
        }
      } finally {
        if (loadController === current) loadController = null;
      }
    };

    return {
      messages: [],
      status: 'idle',
      conversationId: null,
      loadState: 'idle',
      loadError: null,

      send: async (content) => {
        const text = content.trim();
        if (text === '' || isBusy()) return;
        stopPolling();
        const user: ChatMessage = { id: deps.newId(), role: 'user', content: text, status: 'complete' };
        startAnswer(user);
        await run(withConversation({ content: text }), user.id);
      },

      stop: () => {
        if (!controller) return;
        controller.abort();
        finish('stopped');
      },

      retry: async () => {
        if (isBusy()) return;
        const messages = get().messages;
        const last = messages.at(-1);
        const failed = last?.role === 'assistant' && last.status === 'error' ? last : null;
        // The server saved the failed answer: sending again would store the user message twice.
        if (failed?.saved && get().conversationId) return get().regenerate();
        if (lastRequest?.action === 'regenerate') return get().regenerate();
        const lastUser = messages.findLast((m) => m.role === 'user');
        if (!lastUser) return;
        // A failed answer with no text is just noise; one with text stays, marked, above the new one.
        if (failed && failed.content === '') set({ messages: messages.slice(0, -1) });
        startAnswer(null);
        await run(withConversation({ content: lastUser.content }));
      },

      regenerate: async () => {
        const conversationId = get().conversationId;
        const last = get().messages.at(-1);
        if (isBusy() || !conversationId || last?.role !== 'assistant') return;
        stopPolling();
        const versions = last.saved ? (last.versionCount ?? 1) + 1 : last.versionCount;
        startAnswer(null, true, versions);
        await run({ action: 'regenerate', conversation_id: conversationId });
      },

      continueAnswer: async () => {
        const conversationId = get().conversationId;
        const last = get().messages.at(-1);
        if (isBusy() || !conversationId || !last || !canContinue(last)) return;
        stopPolling();
        assistantId = last.id;
        patchAssistant(() => ({ status: 'streaming', error: undefined }));
        set({ status: 'streaming' });
        await run({ action: 'continue', conversation_id: conversationId });
      },

      openConversation: async (id) => {
        if (get().conversationId === id && get().loadState !== 'error') return;
        const token = leave();
        set({ conversationId: id, messages: [], status: 'idle', loadState: 'loading', loadError: null });
        await fetchConversation(id, token);
      },

      refreshConversation: async () => {
        const id = get().conversationId;
        if (!id || isBusy()) return;
        stopPolling();
        await fetchConversation(id, loadToken);
      },

      newConversation: () => {
        leave();
        set({ conversationId: null, messages: [], status: 'idle', loadState: 'idle', loadError: null });
      },
    };
  });
}

/** « Continuer » makes sense for an answer the server kept part of. */
export function canContinue(message: ChatMessage): boolean {
  if (message.role !== 'assistant' || !message.saved || message.content === '') return false;
  return message.status === 'stopped' || message.status === 'interrupted' || message.status === 'error';
}

export const chatStore = createChatStore();

export function useChatStore<T>(selector: (state: ChatState) => T): T {
  return useStore(chatStore, selector);
}
