import type { ChatRequest, ChatStreamEvent, StreamItem, Usage } from '../api/chatStream';
import { ApiError, isAbortError } from '../api/errors';
import { pushOp, textParts, type MessagePart, type PartOp } from './messageParts';

type StartEvent = Extract<ChatStreamEvent, { type: 'start' }>;

/** How an answer ended, as the page shows it. */
export type AnswerEnd =
  | { status: 'complete'; usage?: Usage }
  | { status: 'stopped'; usage?: Usage }
  | { status: 'interrupted' | 'error'; error: { code: string; message: string } };

export interface SessionDeps {
  streamChat: (request: ChatRequest, signal: AbortSignal) => AsyncIterable<StreamItem>;
  followAnswer: (messageId: string, afterId: number, signal: AbortSignal) => AsyncIterable<StreamItem>;
  stopAnswer: (messageId: string) => Promise<void>;
  requestFrame: (callback: () => void) => number;
  cancelFrame: (handle: number) => void;
  setTimeout: (callback: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

export interface SessionHandlers {
  /** The server named the answer (and, for a new conversation, the conversation). */
  onStart: (event: StartEvent) => void;
  /**
   * At most once per animation frame: `reset` replaces the parts (a start, or a replay from the
   * database), then `ops` apply, in order. End, Stop and errors deliver what is pending at once.
   */
  onParts: (reset: MessagePart[] | null, ops: PartOp[]) => void;
  /** A local model is loading before its first token. */
  onLoading: () => void;
  /** The connection dropped and the session is following the answer again (or has just caught up). */
  onReconnecting: (reconnecting: boolean) => void;
  onEnd: (end: AnswerEnd) => void;
  /** The request was refused before the answer began (409, 413, 400…): nothing was saved. */
  onRefused?: (error: ApiError) => void;
}

/** One answer on the page: stop it, or leave it running on the server. */
export interface AnswerSession {
  readonly messageId: string | null;
  /** Stops the model for every tab and keeps the partial text. */
  stop: () => void;
  /** This tab stops following; the answer goes on on the server (resumable) for whoever follows it. */
  detach: () => void;
  /**
   * Resolves once the server is done with this answer as far as this tab can tell: its stream
   * closed, or, after a Stop, the server answered the stop (it waits for the answer to be saved).
   * The next message of the conversation waits for it. Never rejects.
   */
  readonly settled: Promise<void>;
  /** Whether `settled` has resolved. */
  readonly isSettled: boolean;
}

/** After a drop, follow again after these delays (ms); the last one repeats until the answer is given up. */
export const RECONNECT_DELAYS = [250, 500, 1000, 2000, 4000];
/** Give up following after this long without a connection (the server's grace period is 30 s). */
export const RECONNECT_GIVE_UP_MS = 45_000;
/** A Stop pressed before the server named the answer waits this long for its name, then just drops the request. */
const STOP_BEFORE_START_MS = 3000;

const refusedStatuses = new Set([400, 409, 413, 415, 422]);

const errorOf = (error: unknown) =>
  error instanceof ApiError ? { code: error.code, message: error.message } : { code: 'unexpected', message: 'Une erreur inattendue est survenue. Réessayez.' };

/** A failure worth following the answer again for: the connection, not the server's refusal. */
const isDrop = (error: unknown) =>
  error instanceof ApiError &&
  (error.code === 'network' || error.code === 'stream_incomplete' || (error.status !== undefined && error.status >= 502 && error.status <= 504));

/**
 * Runs one answer: POST (or follow) its stream, batch its text into one update per frame, follow it
 * again after a drop without duplicating text (events are numbered; anything already seen is
 * skipped), and stop it for real through the server.
 */
export function openAnswerSession(
  source: { request: ChatRequest } | { follow: string },
  deps: SessionDeps,
  on: SessionHandlers,
): AnswerSession {
  let messageId: string | null = 'follow' in source ? source.follow : null;
  let lastId = 0;
  let ended = false;
  let stopping = false;
  let controller = new AbortController();
  let pending: PartOp[] = [];
  let reset: MessagePart[] | null = null;
  let frame: number | null = null;
  let stopTimer: unknown = null;
  let isSettled = false;
  let resolveSettled!: () => void;
  const settled = new Promise<void>((resolve) => (resolveSettled = resolve));
  const settle = () => {
    isSettled = true;
    resolveSettled();
  };

  const flush = () => {
    if (frame !== null) deps.cancelFrame(frame);
    frame = null;
    if (pending.length === 0 && reset === null) return;
    const [r, ops] = [reset, pending];
    reset = null;
    pending = [];
    on.onParts(r, ops);
  };
  const schedule = () => {
    if (frame === null) frame = deps.requestFrame(flush);
  };

  const end = (result: AnswerEnd) => {
    if (ended) return;
    flush();
    ended = true;
    // The server said how the answer ended: it is done with it (a Stop waits for the server's reply instead).
    if (!stopping) settle();
    on.onEnd(result);
  };

  const requestStop = () => {
    if (stopTimer !== null) deps.clearTimeout(stopTimer);
    if (messageId) void deps.stopAnswer(messageId).catch(() => {}).finally(settle);
    else settle();
    controller.abort();
  };

  const handle = ({ id, event }: StreamItem) => {
    if (id !== null) {
      // A follower may be replayed what it already has: ids only grow.
      if (id <= lastId) return;
      lastId = id;
    }
    switch (event.type) {
      case 'start':
        messageId = event.message_id;
        on.onStart(event);
        if (stopping) {
          requestStop();
          return;
        }
        pending = [];
        reset = event.parts ?? textParts(event.content);
        schedule();
        break;
      case 'delta':
        if (stopping) return;
        pushOp(pending, { op: 'text', text: event.content });
        schedule();
        break;
      case 'reasoning':
        if (stopping) return;
        pushOp(pending, { op: 'reasoning', text: event.reasoning });
        schedule();
        break;
      case 'reasoning_end':
      case 'text_was_reasoning':
        if (stopping) return;
        pending.push({ op: event.type, duration_ms: event.duration_ms });
        schedule();
        break;
      case 'tool_call':
        if (stopping) return;
        pending.push({ op: 'tool_call', call_id: event.call_id, server: event.server, name: event.name, arguments: event.arguments });
        schedule();
        break;
      case 'tool_approval':
        if (stopping) return;
        pending.push({ op: 'tool_approval', call_id: event.call_id, description: event.description });
        schedule();
        break;
      case 'tool_decision':
        if (stopping) return;
        pending.push({ op: 'tool_decision', call_id: event.call_id, approved: event.approved });
        schedule();
        break;
      case 'tool_result':
        if (stopping) return;
        pending.push({ op: 'tool_result', call_id: event.call_id, ok: event.ok, summary: event.summary });
        schedule();
        break;
      case 'loading':
        on.onLoading();
        break;
      case 'ping':
        break;
      case 'done':
        end({ status: event.stop_reason === 'user_stopped' ? 'stopped' : 'complete', usage: event.usage });
        break;
      case 'error':
        end(event.error.code === 'interrupted' ? { status: 'interrupted', error: event.error } : { status: 'error', error: event.error });
        break;
    }
  };

  const pump = async (items: AsyncIterable<StreamItem>) => {
    for await (const item of items) {
      handle(item);
      if (ended && !stopping) return;
    }
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      deps.setTimeout(resolve, ms);
    });

  /** The connection dropped: follow the answer again after the last event seen, with backoff. */
  const reconnect = async (firstError: unknown) => {
    flush();
    on.onReconnecting(true);
    const started = Date.now();
    let error = firstError;
    for (let attempt = 0; ; attempt++) {
      if (Date.now() - started > RECONNECT_GIVE_UP_MS) break;
      await sleep(RECONNECT_DELAYS[Math.min(attempt, RECONNECT_DELAYS.length - 1)]);
      if (ended || controller.signal.aborted) return;
      try {
        let caughtUp = false;
        await pump(
          (async function* () {
            for await (const item of deps.followAnswer(messageId!, lastId, controller.signal)) {
              if (!caughtUp) {
                caughtUp = true;
                on.onReconnecting(false);
              }
              yield item;
            }
          })(),
        );
        if (!ended) end({ status: 'complete' });
        return;
      } catch (e) {
        if (ended || controller.signal.aborted || isAbortError(e)) return;
        if (!isDrop(e)) {
          error = e;
          break;
        }
        error = e;
      }
    }
    on.onReconnecting(false);
    end({ status: 'error', error: errorOf(error) });
  };

  const run = async () => {
    try {
      await stream();
    } finally {
      // A Stop of a named answer settles when the server has answered the stop.
      if (!stopping || messageId === null) settle();
    }
  };

  const stream = async () => {
    try {
      await pump('request' in source ? deps.streamChat(source.request, controller.signal) : deps.followAnswer(source.follow, 0, controller.signal));
      // [DONE] without an end event: the server has nothing more to say.
      if (!ended) end({ status: 'complete' });
    } catch (error) {
      if (ended || controller.signal.aborted || isAbortError(error)) return;
      if (messageId && isDrop(error)) return reconnect(error);
      if (messageId === null && error instanceof ApiError && error.status !== undefined && refusedStatuses.has(error.status) && on.onRefused) {
        ended = true;
        on.onRefused(error);
        return;
      }
      end({ status: 'error', error: errorOf(error) });
    }
  };
  void run();

  return {
    get messageId() {
      return messageId;
    },
    stop: () => {
      if (ended || stopping) return;
      stopping = true;
      end({ status: 'stopped' });
      // Not named yet: keep the request open until the server names the answer, then stop it there.
      if (messageId) requestStop();
      else
        stopTimer = deps.setTimeout(() => {
          controller.abort();
          settle();
        }, STOP_BEFORE_START_MS);
    },
    settled,
    get isSettled() {
      return isSettled;
    },
    detach: () => {
      ended = true;
      if (frame !== null) deps.cancelFrame(frame);
      frame = null;
      if (stopTimer !== null) deps.clearTimeout(stopTimer);
      controller.abort();
      controller = new AbortController();
      settle();
    },
  };
}
