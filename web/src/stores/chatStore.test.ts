import { describe, expect, it, vi } from 'vitest';
import type { ChatRequest, ChatStreamEvent } from '../api/chatStream';
import { ApiError } from '../api/errors';
import { createChatStore, type ChatDeps } from './chatStore';

/** A hand-driven stream: the test pushes events and decides when it ends. */
function controllableStream() {
  const queue: ChatStreamEvent[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  let failure: unknown = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  return {
    push(...events: ChatStreamEvent[]) {
      queue.push(...events);
      poke();
    },
    end() {
      ended = true;
      poke();
    },
    fail(error: unknown) {
      failure = error;
      poke();
    },
    async *iterate(signal: AbortSignal): AsyncGenerator<ChatStreamEvent> {
      signal.addEventListener('abort', () => this.fail(new DOMException('Aborted', 'AbortError')));
      for (;;) {
        if (failure) throw failure;
        if (queue.length) {
          yield queue.shift()!;
          continue;
        }
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

function fakeFrames() {
  const callbacks = new Map<number, () => void>();
  let next = 1;
  return {
    requestFrame: vi.fn((cb: () => void) => {
      callbacks.set(next, cb);
      return next++;
    }),
    cancelFrame: vi.fn((handle: number) => void callbacks.delete(handle)),
    /** Runs every callback scheduled so far, like the browser does once per frame. */
    tick() {
      const due = [...callbacks.values()];
      callbacks.clear();
      due.forEach((cb) => cb());
    },
    get scheduled() {
      return callbacks.size;
    },
  };
}

function setup() {
  const frames = fakeFrames();
  const streams: ReturnType<typeof controllableStream>[] = [];
  const requests: ChatRequest[] = [];
  let id = 0;
  const deps: Partial<ChatDeps> = {
    streamChat: (request, signal) => {
      requests.push(request);
      const stream = controllableStream();
      streams.push(stream);
      return stream.iterate(signal);
    },
    requestFrame: frames.requestFrame,
    cancelFrame: frames.cancelFrame,
    newId: () => `id-${++id}`,
  };
  const store = createChatStore(deps);
  return { store, frames, streams, requests };
}

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
let serverIds = 0;
const start = (conversation_id = 'conv-1', content = '', message_id = `srv-${++serverIds}`): ChatStreamEvent => ({
  type: 'start',
  conversation_id,
  message_id,
  content,
});
const delta = (content: string): ChatStreamEvent => ({ type: 'delta', content });
const done: ChatStreamEvent = { type: 'done', stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 1000 } };

describe('chatStore', () => {
  it('shows the user message and waits for the first token', async () => {
    const { store } = setup();
    void store.getState().send('  Bonjour  ');
    const { messages, status } = store.getState();
    expect(status).toBe('waiting');
    expect(messages.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'Bonjour', 'complete'],
      ['assistant', '', 'streaming'],
    ]);
  });

  it('ignores blank messages', async () => {
    const { store, requests } = setup();
    await store.getState().send('   \n ');
    expect(store.getState().messages).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('applies a burst of 1,000 deltas with at most one store update per frame', async () => {
    const { store, frames, streams } = setup();
    const sending = store.getState().send('Raconte');
    const updates = vi.fn();
    store.subscribe(updates);

    streams[0].push(start());
    await flushPromises();
    updates.mockClear();

    const expected = Array.from({ length: 1000 }, (_, i) => `mot${i} `);
    streams[0].push(...expected.map(delta));
    await flushPromises();

    // Everything arrived within one frame: no store update yet, one frame scheduled.
    expect(updates).not.toHaveBeenCalled();
    expect(frames.requestFrame).toHaveBeenCalledTimes(1);

    frames.tick();
    expect(updates).toHaveBeenCalledTimes(1);
    expect(store.getState().status).toBe('streaming');
    expect(store.getState().messages[1].content).toBe(expected.join(''));

    // A second frame with more tokens: exactly one more update.
    streams[0].push(delta('fin'));
    await flushPromises();
    frames.tick();
    expect(updates).toHaveBeenCalledTimes(2);

    streams[0].push(done);
    streams[0].end();
    await sending;
    const answer = store.getState().messages[1];
    expect(answer.content).toBe(expected.join('') + 'fin');
    expect(answer.status).toBe('complete');
    expect(answer.usage).toEqual({ input_tokens: 3, output_tokens: 1000 });
    expect(store.getState().status).toBe('idle');
    expect(frames.scheduled).toBe(0);
  });

  it('flushes synchronously on done, without waiting for a frame', async () => {
    const { store, frames, streams } = setup();
    const sending = store.getState().send('x');
    streams[0].push(start(), delta('Bon'), delta('jour'), done);
    streams[0].end();
    await sending;
    expect(store.getState().messages[1]).toMatchObject({ content: 'Bonjour', status: 'complete' });
    expect(frames.scheduled).toBe(0);
  });

  it('stop() aborts at once, keeps the partial text and marks it stopped', async () => {
    const { store, streams } = setup();
    const sending = store.getState().send('Longue réponse');
    streams[0].push(start(), delta('Une réponse par'));
    await flushPromises();

    store.getState().stop();
    // Unflushed text is kept even though no frame ran.
    expect(store.getState().messages[1]).toMatchObject({ content: 'Une réponse par', status: 'stopped' });
    expect(store.getState().status).toBe('idle');

    // Late events from the aborted stream change nothing.
    streams[0].push(delta('tielle'));
    await sending;
    expect(store.getState().messages[1].content).toBe('Une réponse par');
  });

  it('stop() passes an aborted signal to the stream', async () => {
    const seen: AbortSignal[] = [];
    const store = createChatStore({
      streamChat: (_req, signal) => {
        seen.push(signal);
        return (async function* () {
          await new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(new DOMException('Aborted', 'AbortError'))),
          );
        })();
      },
      requestFrame: () => 1,
      cancelFrame: () => {},
    });
    const sending = store.getState().send('x');
    store.getState().stop();
    await sending;
    expect(seen[0].aborted).toBe(true);
    expect(store.getState().messages[1].status).toBe('stopped');
  });

  it('reuses the conversation_id received in start for the next message', async () => {
    const { store, streams, requests } = setup();
    const first = store.getState().send('Un');
    streams[0].push(start('conv-42'), delta('A'), done);
    streams[0].end();
    await first;
    expect(store.getState().conversationId).toBe('conv-42');

    const second = store.getState().send('Deux');
    streams[1].push(start('conv-42'), delta('B'), done);
    streams[1].end();
    await second;
    expect(requests).toEqual([{ content: 'Un' }, { content: 'Deux', conversation_id: 'conv-42' }]);
    expect(store.getState().messages.map((m) => m.content)).toEqual(['Un', 'A', 'Deux', 'B']);
  });

  it('an error event keeps the partial text and the French message', async () => {
    const { store, streams } = setup();
    const sending = store.getState().send('x');
    streams[0].push(start(), delta('Début'), {
      type: 'error',
      error: { code: 'overloaded', message: 'Le service est surchargé.' },
    });
    streams[0].end();
    await sending;
    expect(store.getState().status).toBe('error');
    expect(store.getState().messages[1]).toMatchObject({
      content: 'Début',
      status: 'error',
      error: { code: 'overloaded', message: 'Le service est surchargé.' },
    });
  });

  it('a thrown ApiError (network, problem+json) marks the answer as an error', async () => {
    const { store, streams } = setup();
    const sending = store.getState().send('x');
    streams[0].fail(new ApiError('not_configured', 'Aucun modèle n’est configuré.', 503));
    await sending;
    expect(store.getState().messages[1]).toMatchObject({
      content: '',
      status: 'error',
      error: { code: 'not_configured', message: 'Aucun modèle n’est configuré.' },
    });
  });

  it('retry() regenerates an answer the server saved (a start arrived), without resending the message', async () => {
    const { store, streams, requests } = setup();
    const first = store.getState().send('Question');
    streams[0].push(start('conv-7'), delta('Partiel'));
    await flushPromises();
    streams[0].fail(new ApiError('network', 'Impossible de joindre THÉRÈSE.'));
    await first;
    expect(store.getState().messages[1]).toMatchObject({ status: 'error', saved: true });

    const retrying = store.getState().retry();
    expect(store.getState().status).toBe('waiting');
    streams[1].push(start('conv-7'), delta('Réponse'), done);
    streams[1].end();
    await retrying;

    expect(requests[1]).toEqual({ action: 'regenerate', conversation_id: 'conv-7' });
    expect(store.getState().messages.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'Question', 'complete'],
      ['assistant', 'Réponse', 'complete'],
    ]);
  });

  it('retry() resends with send when the request failed before any start (503, network)', async () => {
    const { store, streams, requests } = setup();
    const first = store.getState().send('Question');
    streams[0].fail(new ApiError('not_configured', 'Aucun modèle.', 503));
    await first;

    const retrying = store.getState().retry();
    streams[1].push(start('conv-8'), delta('Réponse'), done);
    streams[1].end();
    await retrying;
    expect(requests[1]).toEqual({ content: 'Question' });
    expect(store.getState().messages.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'Question', 'complete'],
      ['assistant', 'Réponse', 'complete'],
    ]);
  });

  it('takes the server ids from start', async () => {
    const { store, streams } = setup();
    const sending = store.getState().send('Question');
    streams[0].push({ ...start('conv-1', '', 'srv-a'), user_message_id: 'srv-u' } as ChatStreamEvent, done);
    streams[0].end();
    await sending;
    expect(store.getState().messages.map((m) => [m.id, m.saved])).toEqual([
      ['srv-u', true],
      ['srv-a', true],
    ]);
  });

  it('regenerate() replaces the last answer and counts its versions', async () => {
    const { store, streams, requests } = setup();
    const first = store.getState().send('Question');
    streams[0].push(start('conv-1'), delta('Première'), done);
    streams[0].end();
    await first;

    const regenerating = store.getState().regenerate();
    expect(store.getState().messages.map((m) => [m.content, m.status])).toEqual([
      ['Question', 'complete'],
      ['', 'streaming'],
    ]);
    streams[1].push(start('conv-1'), delta('Seconde'), done);
    streams[1].end();
    await regenerating;
    expect(requests[1]).toEqual({ action: 'regenerate', conversation_id: 'conv-1' });
    expect(store.getState().messages[1]).toMatchObject({ content: 'Seconde', status: 'complete', versionCount: 2 });
  });

  it('continueAnswer() appends to the same message, starting from the start event content', async () => {
    const { store, frames, streams, requests } = setup();
    const first = store.getState().send('Raconte');
    streams[0].push(start('conv-1', '', 'srv-answer'), delta('Il était'));
    await flushPromises();
    store.getState().stop();
    await first;
    expect(store.getState().messages[1]).toMatchObject({ id: 'srv-answer', content: 'Il était', status: 'stopped' });

    const continuing = store.getState().continueAnswer();
    expect(store.getState().messages[1].status).toBe('streaming');
    // The server's saved partial text is the truth, even if it differs from what was shown.
    streams[1].push(start('conv-1', 'Il était une', 'srv-answer'), delta(' fois'));
    await flushPromises();
    frames.tick();
    expect(store.getState().messages).toHaveLength(2);
    expect(store.getState().messages[1]).toMatchObject({ id: 'srv-answer', content: 'Il était une fois', status: 'streaming' });

    streams[1].push(delta('.'), done);
    streams[1].end();
    await continuing;
    expect(requests[1]).toEqual({ action: 'continue', conversation_id: 'conv-1' });
    expect(store.getState().messages[1]).toMatchObject({ content: 'Il était une fois.', status: 'complete' });
  });

  it('openConversation() shows the saved messages with their markers, tokens and versions', async () => {
    const saved = (patch: Record<string, unknown>) => ({
      conversation_id: 'c1',
      role: 'assistant',
      content: 'texte',
      status: 'complete',
      stop_reason: null,
      input_tokens: null,
      output_tokens: null,
      created_at: '2025-01-01T00:00:00Z',
      version_count: 1,
      ...patch,
    });
    const getConversation = vi.fn(async () => ({
      id: 'c1',
      title: 'Titre',
      created_at: '',
      updated_at: '',
      messages: [
        saved({ id: 'm1', role: 'user', content: 'Q' }),
        saved({ id: 'm2', status: 'stopped', input_tokens: 12, output_tokens: 34, version_count: 2 }),
        saved({ id: 'm3', status: 'interrupted' }),
        saved({ id: 'm4', status: 'error' }),
        saved({ id: 'm5', status: 'streaming' }),
      ],
    }));
    const timers: (() => void)[] = [];
    const store = createChatStore({
      getConversation: getConversation as unknown as ChatDeps['getConversation'],
      setTimeout: (cb) => timers.push(cb),
      clearTimeout: () => {},
    });
    const opening = store.getState().openConversation('c1');
    expect(store.getState().loadState).toBe('loading');
    await opening;
    const { messages, conversationId, loadState } = store.getState();
    expect(conversationId).toBe('c1');
    expect(loadState).toBe('ready');
    expect(messages.map((m) => [m.id, m.status])).toEqual([
      ['m1', 'complete'],
      ['m2', 'stopped'],
      ['m3', 'interrupted'],
      ['m4', 'error'],
      ['m5', 'streaming'],
    ]);
    expect(messages[1]).toMatchObject({ usage: { input_tokens: 12, output_tokens: 34 }, versionCount: 2, saved: true });
    expect(messages[3].error?.message).toBeTruthy();
    expect(messages[4].generatingOnServer).toBe(true);

    // Still being written on the server: the store polls.
    expect(timers).toHaveLength(1);
    timers[0]();
    await flushPromises();
    expect(getConversation).toHaveBeenCalledTimes(2);

    // Opening the same conversation again does not refetch.
    await store.getState().openConversation('c1');
    expect(getConversation).toHaveBeenCalledTimes(2);
  });

  it('openConversation() reports an unknown id', async () => {
    const store = createChatStore({
      getConversation: async () => {
        throw new ApiError('not_found', 'Introuvable', 404);
      },
    });
    await store.getState().openConversation('nope');
    expect(store.getState().loadState).toBe('not_found');
    store.getState().newConversation();
    expect(store.getState()).toMatchObject({ conversationId: null, messages: [], loadState: 'idle' });
  });

  it('refuses a second send while an answer is streaming', async () => {
    const { store, requests } = setup();
    void store.getState().send('Un');
    void store.getState().send('Deux');
    expect(requests).toHaveLength(1);
  });
});
