import { createStore, useStore } from 'zustand';
import { streamChat, type ChatRequest, type ChatStreamEvent, type Usage } from '../api/chatStream';
import { ApiError, isAbortError } from '../api/errors';

export type MessageStatus = 'streaming' | 'complete' | 'stopped' | 'error' | 'interrupted';
export type ChatStatus = 'idle' | 'waiting' | 'streaming' | 'error';

export interface ChatMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  error?: { code: string; message: string };
  usage?: Usage;
}

export interface ChatState {
  messages: ChatMessage[];
  /** waiting: sent, no token shown yet; streaming: tokens are arriving. */
  status: ChatStatus;
  conversationId: string | null;
  send: (content: string) => Promise<void>;
  stop: () => void;
  retry: () => Promise<void>;
}

export interface ChatDeps {
  streamChat: (request: ChatRequest, signal: AbortSignal) => AsyncIterable<ChatStreamEvent>;
  requestFrame: (callback: () => void) => number;
  cancelFrame: (handle: number) => void;
  newId: () => string;
}

const defaultDeps: ChatDeps = {
  streamChat: (request, signal) => streamChat(request, signal),
  requestFrame: (callback) => requestAnimationFrame(callback),
  cancelFrame: (handle) => cancelAnimationFrame(handle),
  newId: () => `local-${crypto.randomUUID()}`,
};

const unexpectedError = { code: 'unexpected', message: 'Une erreur inattendue est survenue. Réessayez.' };

export function createChatStore(overrides: Partial<ChatDeps> = {}) {
  const deps: ChatDeps = { ...defaultDeps, ...overrides };

  return createStore<ChatState>()((set, get) => {
    // One answer streams at a time; these belong to it.
    let controller: AbortController | null = null;
    let assistantId: string | null = null;
    // Deltas land here and reach the store at most once per animation frame.
    let pending = '';
    let frame: number | null = null;

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

    const run = async (content: string) => {
      const current = new AbortController();
      controller = current;
      const request: ChatRequest = { content };
      const conversationId = get().conversationId;
      if (conversationId) request.conversation_id = conversationId;

      const isCurrent = () => controller === current && !current.signal.aborted;
      try {
        for await (const event of deps.streamChat(request, current.signal)) {
          if (!isCurrent()) return;
          switch (event.type) {
            case 'start':
              set({ conversationId: event.conversation_id });
              if (event.content) onDelta(event.content);
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

    const startAnswer = (userMessage: ChatMessage | null) => {
      assistantId = deps.newId();
      const assistant: ChatMessage = { id: assistantId, role: 'assistant', content: '', status: 'streaming' };
      set((state) => ({
        status: 'waiting',
        messages: userMessage ? [...state.messages, userMessage, assistant] : [...state.messages, assistant],
      }));
    };

    const isBusy = () => get().status === 'waiting' || get().status === 'streaming';

    return {
      messages: [],
      status: 'idle',
      conversationId: null,

      send: async (content) => {
        const text = content.trim();
        if (text === '' || isBusy()) return;
        startAnswer({ id: deps.newId(), role: 'user', content: text, status: 'complete' });
        await run(text);
      },

      stop: () => {
        if (!controller) return;
        controller.abort();
        finish('stopped');
      },

      retry: async () => {
        if (isBusy()) return;
        const messages = get().messages;
        const lastUser = messages.findLast((m) => m.role === 'user');
        if (!lastUser) return;
        const last = messages.at(-1);
        // A failed answer with no text is just noise; one with text stays, marked, above the new one.
        if (last?.role === 'assistant' && last.status === 'error' && last.content === '') {
          set({ messages: messages.slice(0, -1) });
        }
        startAnswer(null);
        await run(lastUser.content);
      },
    };
  });
}

export const chatStore = createChatStore();

export function useChatStore<T>(selector: (state: ChatState) => T): T {
  return useStore(chatStore, selector);
}
