import { createStore, useStore } from 'zustand';
import { decideTool, followAnswer, stopAnswer, streamChat, type ChatRequest, type ChatStreamEvent, type Usage } from '../api/chatStream';
import { getConversation, listVersions, showVersion, type Conversation, type ConversationMessage, type MessageStatus } from '../api/conversations';
import { ApiError, isAbortError } from '../api/errors';
import { openAnswerSession, type AnswerSession, type SessionDeps } from './answerSession';
import { answerText, applyOps, attachmentsOf, isReasoning, partsFrom, type AttachmentPart, type MessagePart } from './messageParts';
import { answerChannel, type AnswerAnnouncement, type AnswerChannel } from './answerChannel';

export type { MessageStatus } from '../api/conversations';
export type ChatStatus = 'idle' | 'waiting' | 'streaming' | 'error';
/** Opening a saved conversation: `not_found` when the id is unknown (or deleted). */
export type LoadState = 'idle' | 'loading' | 'ready' | 'not_found' | 'error';

export interface ChatMessage {
  id: string;
  role: 'user' | 'assistant';
  /** The answer text alone (the text parts, joined). */
  content: string;
  /** Everything in order: reasoning, text…; absent when the message is its text alone. */
  parts?: MessagePart[];
  status: MessageStatus;
  error?: { code: string; message: string };
  usage?: Usage;
  /** The server has this message (a `start` named it, or it was loaded); `id` is then the server's. */
  saved?: boolean;
  /** How many versions of this answer exist (regenerate keeps the older ones). */
  versionCount?: number;
  /** Which of them this is (1 = the first). */
  version?: number;
  /** A local model is being loaded before the first word. */
  loadingModel?: boolean;
}

export interface ChatState {
  messages: ChatMessage[];
  /** waiting: sent, no token shown yet; streaming: tokens are arriving. */
  status: ChatStatus;
  conversationId: string | null;
  /** The title the server gave a conversation this page just started (for the list, before it is saved). */
  newConversationTitle: string | null;
  /** A message to bring into view once the conversation is shown (a search result). */
  focusMessageId: string | null;
  loadState: LoadState;
  loadError: string | null;
  /** The connection dropped; the answer is being followed again. */
  reconnecting: boolean;
  /** A message the server refused before answering (busy conversation, too long…), in French. */
  notice: string | null;
  /** Sends a message (and its files); false when the server refused it before answering (it should go back in the box). */
  send: (content: string, attachments?: readonly AttachmentPart[]) => Promise<boolean>;
  stop: () => void;
  /** After a failed answer: regenerate it if the server saved it, otherwise send the request again. */
  retry: () => Promise<void>;
  /** Replaces the last answer with a new one. */
  regenerate: () => Promise<void>;
  /** Carries on a stopped, interrupted or failed last answer; the new text is appended to it. */
  continueAnswer: () => Promise<void>;
  /** Shows a saved conversation (no-op if it is already the current one); follows its answer if one is being written. */
  openConversation: (id: string) => Promise<void>;
  /** Fetches the open conversation again (another tab or device answered in it). */
  refreshConversation: () => Promise<void>;
  newConversation: () => void;
  dismissNotice: () => void;
  /** Asks the list to bring this message into view (then it clears itself). */
  focusMessage: (id: string | null) => void;
  /** Shows the previous (-1) or next (+1) version of an answer in its place. */
  browseVersion: (messageId: string, step: -1 | 1) => Promise<void>;
  /** « Autoriser » / « Refuser » a tool call that waits; resolves to a French sentence when it failed, null otherwise. */
  decideTool: (messageId: string, callId: string, approve: boolean) => Promise<string | null>;
}

export interface ChatDeps extends SessionDeps {
  getConversation: (id: string, signal: AbortSignal) => Promise<Conversation>;
  listVersions: (conversationId: string, messageId: string) => Promise<ConversationMessage[]>;
  showVersion: (conversationId: string, messageId: string) => Promise<Conversation>;
  newId: () => string;
  decideTool: (messageId: string, callId: string, approve: boolean) => Promise<void>;
  /** Tells the other tabs of this browser that an answer started (null: no other tab to tell). */
  channel: AnswerChannel | null;
}

const defaultDeps: ChatDeps = {
  streamChat: (request, signal) => streamChat(request, signal),
  followAnswer: (messageId, afterId, signal) => followAnswer(messageId, afterId, signal),
  stopAnswer: (messageId) => stopAnswer(messageId),
  getConversation: (id, signal) => getConversation(id, signal),
  listVersions: (conversationId, messageId) => listVersions(conversationId, messageId),
  showVersion: (conversationId, messageId) => showVersion(conversationId, messageId),
  requestFrame: (callback) => requestAnimationFrame(callback),
  cancelFrame: (handle) => cancelAnimationFrame(handle),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  newId: () => `local-${crypto.randomUUID()}`,
  decideTool: (messageId, callId, approve) => decideTool(messageId, callId, approve),
  channel: answerChannel(),
};

/**
 * A message sent just after the previous answer ended (a Stop, its save) may find the conversation
 * still busy on the server: it is sent again after these delays (ms) before it is given back.
 */
export const BUSY_RETRY_DELAYS = [100, 250, 500, 1000, 2000, 4000];

const unexpectedError = { code: 'unexpected', message: 'Une erreur inattendue est survenue. Réessayez.' };
const savedError = { code: 'saved_error', message: 'Cette réponse a échoué avant la fin.' };

/** A message as the server saved it, in the shape the chat shows. */
export function fromSaved(message: ConversationMessage): ChatMessage {
  const mapped: ChatMessage = {
    id: message.id,
    role: message.role,
    content: message.content,
    parts: partsFrom(message.parts, message.content),
    status: message.status,
    saved: true,
  };
  if (message.role === 'assistant') {
    mapped.versionCount = message.version_count;
    mapped.version = message.version;
  }
  if (message.input_tokens != null && message.output_tokens != null)
    mapped.usage = { input_tokens: message.input_tokens, output_tokens: message.output_tokens };
  if (message.status === 'error') mapped.error = savedError;
  return mapped;
}

export function createChatStore(overrides: Partial<ChatDeps> = {}) {
  const deps: ChatDeps = { ...defaultDeps, ...overrides };

  return createStore<ChatState>()((set, get) => {
    // One answer is followed at a time.
    let session: AnswerSession | null = null;
    // The last request, to send again when it failed before the server saved anything.
    let lastRequest: ChatRequest | null = null;
    // Loading a conversation: a newer open/new makes older answers stale.
    let loadToken = 0;
    let loadController: AbortController | null = null;
    // The last answer this tab followed: until the server is done with it, the next message waits for it.
    let last: AnswerSession | null = null;
    // A message waiting for that answer to end: Stop, or leaving the conversation, takes it back.
    let queued: { cancel: () => void } | null = null;

    const patchMessage = (id: string | null, patch: (m: ChatMessage) => Partial<ChatMessage>) =>
      set((state) => ({ messages: state.messages.map((m) => (m.id === id ? { ...m, ...patch(m) } : m)) }));

    /**
     * Follows one answer into the message `localId` (the server's id replaces it at start);
     * `userLocalId` gets the server's id too. Resolves false when the server refused the request,
     * 'busy' (with nothing changed on screen) when it found the conversation busy and `retryBusy` is set.
     */
    const follow = (
      source: { request: ChatRequest } | { follow: string },
      localId: string,
      userLocalId: string | null = null,
      userContent?: string,
      retryBusy = false,
    ) =>
      new Promise<boolean | 'busy'>((resolve) => {
        let messageId = localId;
        const token = loadToken;
        // When the reasoning being shown began (this page's clock), should the answer end before the server's reasoning_end.
        let reasoningSince = performance.now();
        const mine = openAnswerSession(source, deps, {
          onStart: (event) => {
            // Even after a Stop, the names count: the next message goes to this conversation.
            if (token !== loadToken) return;
            const previous = messageId;
            messageId = event.message_id;
            set((state) => ({
              conversationId: event.conversation_id,
              ...(event.conversation_title ? { newConversationTitle: event.conversation_title } : {}),
              messages: state.messages.map((m) => {
                if (m.id === previous) return { ...m, id: event.message_id, saved: true };
                if (userLocalId && m.id === userLocalId && event.user_message_id) return { ...m, id: event.user_message_id, saved: true };
                return m;
              }),
            }));
            if ('request' in source) deps.channel?.announce(started(event, userContent));
          },
          onParts: (reset, ops) => {
            if (session !== mine) return;
            set((state) => ({
              messages: state.messages.map((m) => {
                if (m.id !== messageId) return m;
                const before = reset ?? m.parts ?? [];
                const parts = applyOps(before, ops);
                if (isReasoning(parts) && !isReasoning(before)) reasoningSince = performance.now();
                return { ...m, parts, content: answerText(parts), loadingModel: false };
              }),
              status: state.status === 'waiting' && (ops.length > 0 || (reset?.length ?? 0) > 0) ? 'streaming' : state.status,
            }));
          },
          onLoading: () => {
            if (session === mine) patchMessage(messageId, () => ({ loadingModel: true }));
          },
          onReconnecting: (reconnecting) => {
            if (session === mine) set({ reconnecting });
          },
          onEnd: (end) => {
            if (session === mine) {
              const patch: Partial<ChatMessage> = { status: end.status, loadingModel: false };
              // Stopped (or cut) while reasoning: what was thought stays, with how long it took, as the server saves it.
              const shown = get().messages.find((m) => m.id === messageId)?.parts;
              if (shown && isReasoning(shown))
                patch.parts = applyOps(shown, [{ op: 'reasoning_end', duration_ms: Math.round(performance.now() - reasoningSince) }]);
              // Stopped (or cut) during a tool call: the call is cancelled with the answer, as the server saves it.
              if (shown && end.status !== 'complete') patch.parts = applyOps(patch.parts ?? shown, [{ op: 'tools_cancelled' }]);
              if ('usage' in end && end.usage) patch.usage = end.usage;
              if ('error' in end) patch.error = end.error;
              patchMessage(messageId, () => patch);
              set({ status: end.status === 'error' ? 'error' : 'idle', reconnecting: false });
              session = null;
            }
            resolve(true);
          },
          onRefused: (error) => {
            if (session === mine && retryBusy && error.code === 'conversation_busy') {
              session = null;
              resolve('busy');
              return;
            }
            if (session === mine) {
              // Nothing was saved: the page goes back to what the server has, and says why.
              session = null;
              const drop = new Set([messageId, userLocalId]);
              set((state) => ({ status: 'idle', notice: error.message, messages: state.messages.filter((m) => !drop.has(m.id)) }));
              if (error.code === 'conversation_busy') void get().refreshConversation();
            }
            resolve(false);
          },
        });
        session = mine;
        last = mine;
      });

    /** Waits for `promise` as a queued message; false when Stop or leaving the conversation took the message back first. */
    const waitQueued = (promise: Promise<void>) =>
      new Promise<boolean>((resolve) => {
        const mine = { cancel: () => resolve(false) };
        queued = mine;
        void promise.then(() => {
          if (queued !== mine) return;
          queued = null;
          resolve(true);
        });
      });

    const delay = (ms: number) =>
      new Promise<void>((resolve) => {
        deps.setTimeout(resolve, ms);
      });

    const withConversation = (request: ChatRequest): ChatRequest => {
      const conversationId = get().conversationId;
      return { ...(conversationId ? { ...request, conversation_id: conversationId } : request), resumable: true };
    };

    /** Shows the question (if any) and an empty answer waiting for its first word; returns the answer's local id. */
    const startAnswer = (userMessage: ChatMessage | null, replaceLast = false, versionCount?: number) => {
      const assistant: ChatMessage = { id: deps.newId(), role: 'assistant', content: '', status: 'streaming' };
      // A regenerated answer is the newest of its versions.
      if (versionCount) Object.assign(assistant, { versionCount, version: versionCount });
      set((state) => {
        const kept = replaceLast ? state.messages.slice(0, -1) : state.messages;
        return { status: 'waiting', notice: null, messages: userMessage ? [...kept, userMessage, assistant] : [...kept, assistant] };
      });
      return assistant.id;
    };

    const cancelQueued = () => {
      const current = queued;
      queued = null;
      current?.cancel();
      return current !== null;
    };

    const isBusy = () => get().status === 'waiting' || get().status === 'streaming';

    /** Leaves the current conversation: this tab stops following (the server keeps the answer), loads stop. */
    const leave = () => {
      cancelQueued();
      session?.detach();
      session = null;
      lastRequest = null;
      loadController?.abort();
      loadController = null;
      return ++loadToken;
    };

    /** A loaded conversation whose last answer is still being written: follow it live. */
    const attachIfLive = () => {
      const last = get().messages.at(-1);
      if (!last || last.role !== 'assistant' || last.status !== 'streaming' || session) return;
      set({ status: last.content === '' && !last.parts?.length ? 'waiting' : 'streaming' });
      void follow({ follow: last.id }, last.id);
    };

    const fetchConversation = async (id: string, token: number) => {
      const current = new AbortController();
      loadController = current;
      try {
        const conversation = await deps.getConversation(id, current.signal);
        if (token !== loadToken || isBusy()) return;
        set({ messages: conversation.messages.map(fromSaved), loadState: 'ready', loadError: null });
        attachIfLive();
      } catch (error) {
        if (token !== loadToken || isAbortError(error)) return;
        if (error instanceof ApiError && (error.code === 'not_found' || error.status === 404)) {
          set({ loadState: 'not_found', messages: [] });
        } else if (get().loadState === 'loading') {
          set({ loadState: 'error', loadError: error instanceof ApiError ? error.message : unexpectedError.message });
        }
      } finally {
        if (loadController === current) loadController = null;
      }
    };

    // Another tab of this browser started an answer in the conversation shown here: show it live too.
    deps.channel?.listen((announcement) => {
      if (announcement.conversationId !== get().conversationId || isBusy()) return;
      if (get().messages.some((m) => m.id === announcement.messageId)) return;
      const shown: ChatMessage[] = [];
      if (announcement.user && !get().messages.some((m) => m.id === announcement.user!.id))
        shown.push({ id: announcement.user.id, role: 'user', content: announcement.user.content, status: 'complete', saved: true });
      shown.push({ id: announcement.messageId, role: 'assistant', content: '', status: 'streaming', saved: true });
      set((state) => ({ messages: [...state.messages, ...shown], status: 'waiting' }));
      void follow({ follow: announcement.messageId }, announcement.messageId);
    });

    return {
      messages: [],
      status: 'idle',
      conversationId: null,
      newConversationTitle: null,
      focusMessageId: null,
      loadState: 'idle',
      loadError: null,
      reconnecting: false,
      notice: null,

      send: async (content, attachments = []) => {
        const text = content.trim();
        if ((text === '' && attachments.length === 0) || isBusy()) return false;
        const user: ChatMessage = { id: deps.newId(), role: 'user', content: text, status: 'complete' };
        // The files come first, as the server saves them.
        if (attachments.length > 0) user.parts = [...attachments, ...(text === '' ? [] : [{ type: 'text' as const, text }])];
        const answerId = startAnswer(user);
        const body: ChatRequest = attachments.length > 0 ? { content: text, attachments: attachments.map((a) => a.id) } : { content: text };
        // The previous answer may still be ending (stopped, being saved): this message waits for it, then goes.
        let previous = last && !last.isSettled ? last.settled : null;
        const waited = previous !== null;
        const token = loadToken;
        for (let attempt = 0; ; attempt++) {
          if (previous && !(await waitQueued(previous))) {
            // Taken back before it went: it returns to the input, and the chat to what it was.
            if (token === loadToken) set((state) => ({ status: 'idle', messages: state.messages.filter((m) => m.id !== answerId && m.id !== user.id) }));
            return false;
          }
          lastRequest = withConversation(body);
          const sent = await follow({ request: lastRequest }, answerId, user.id, text, waited && attempt < BUSY_RETRY_DELAYS.length);
          if (sent !== 'busy') return sent;
          previous = delay(BUSY_RETRY_DELAYS[attempt]);
        }
      },

      stop: () => {
        if (!cancelQueued()) session?.stop();
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
        if (failed && failed.content === '' && !failed.parts?.length) set({ messages: messages.slice(0, -1) });
        const answerId = startAnswer(null);
        const files = attachmentsOf(lastUser.parts).map((a) => a.id);
        lastRequest = withConversation(files.length > 0 ? { content: lastUser.content, attachments: files } : { content: lastUser.content });
        await follow({ request: lastRequest }, answerId);
      },

      regenerate: async () => {
        const conversationId = get().conversationId;
        const last = get().messages.at(-1);
        if (isBusy() || !conversationId || last?.role !== 'assistant') return;
        const versions = last.saved ? (last.versionCount ?? 1) + 1 : last.versionCount;
        const answerId = startAnswer(null, true, versions);
        lastRequest = withConversation({ action: 'regenerate' });
        await follow({ request: lastRequest }, answerId);
      },

      continueAnswer: async () => {
        const conversationId = get().conversationId;
        const last = get().messages.at(-1);
        if (isBusy() || !conversationId || !last || !canContinue(last)) return;
        patchMessage(last.id, () => ({ status: 'streaming', error: undefined }));
        set({ status: 'streaming', notice: null });
        await follow({ request: withConversation({ action: 'continue' }) }, last.id);
      },

      openConversation: async (id) => {
        if (get().conversationId === id && get().loadState !== 'error') return;
        const token = leave();
        set({ conversationId: id, newConversationTitle: null, messages: [], status: 'idle', loadState: 'loading', loadError: null, reconnecting: false, notice: null });
        await fetchConversation(id, token);
      },

      refreshConversation: async () => {
        const id = get().conversationId;
        if (!id || isBusy()) return;
        await fetchConversation(id, loadToken);
      },

      newConversation: () => {
        leave();
        set({ conversationId: null, newConversationTitle: null, messages: [], status: 'idle', loadState: 'idle', loadError: null, reconnecting: false, notice: null });
      },

      dismissNotice: () => set({ notice: null }),

      focusMessage: (id) => set({ focusMessageId: id }),

      browseVersion: async (messageId, step) => {
        const conversationId = get().conversationId;
        if (!conversationId || isBusy()) return;
        try {
          const versions = await deps.listVersions(conversationId, messageId);
          const at = versions.findIndex((v) => v.id === messageId);
          const target = versions[at + step];
          if (at < 0 || !target) return;
          await deps.showVersion(conversationId, target.id);
          if (get().conversationId !== conversationId) return;
          set((state) => ({
            messages: state.messages.map((m) => (m.id === messageId ? fromSaved({ ...target, version_count: versions.length }) : m)),
          }));
        } catch (error) {
          set({ notice: error instanceof ApiError ? error.message : unexpectedError.message });
        }
      },

      decideTool: async (messageId, callId, approve) => {
        try {
          await deps.decideTool(messageId, callId, approve);
        } catch (error) {
          return error instanceof ApiError ? error.message : unexpectedError.message;
        }
        // The stream says so too (tool_decision); showing it now keeps the card from lingering on a slow link.
        patchMessage(messageId, (m) => {
          const parts = applyOps(m.parts ?? [], [{ op: 'tool_decision', call_id: callId, approved: approve }]);
          return { parts, content: answerText(parts) };
        });
        return null;
      },
    };
  });
}

function started(event: Extract<ChatStreamEvent, { type: 'start' }>, userContent?: string): AnswerAnnouncement {
  return {
    conversationId: event.conversation_id,
    messageId: event.message_id,
    user: event.user_message_id && userContent !== undefined ? { id: event.user_message_id, content: userContent } : undefined,
  };
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
