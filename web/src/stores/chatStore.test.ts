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
const start = (conversation_id = 'conv-1'): ChatStreamEvent => ({
  type: 'start',
  conversation_id,
  message_id: 'srv-2',
  content: '',
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

  it('retry() drops an empty failed answer and resends the last user message', async () => {
    const { store, streams, requests } = setup();
    const first = store.getState().send('Question');
    streams[0].push(start('conv-7'));
    await flushPromises();
    streams[0].fail(new ApiError('network', 'Impossible de joindre THÉRÈSE.'));
    await first;

    const retrying = store.getState().retry();
    expect(store.getState().status).toBe('waiting');
    streams[1].push(start('conv-7'), delta('Réponse'), done);
    streams[1].end();
    await retrying;

    expect(requests[1]).toEqual({ content: 'Question', conversation_id: 'conv-7' });
    expect(store.getState().messages.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'Question', 'complete'],
      ['assistant', 'Réponse', 'complete'],
    ]);
  });

  it('retry() keeps a failed answer that has text, still marked as an error', async () => {
    const { store, streams } = setup();
    const first = store.getState().send('Question');
    streams[0].push(start(), delta('Partiel'), { type: 'error', error: { code: 'timeout', message: 'Délai dépassé.' } });
    streams[0].end();
    await first;

    const retrying = store.getState().retry();
    streams[1].push(start(), delta('Complet'), done);
    streams[1].end();
    await retrying;
    expect(store.getState().messages.map((m) => [m.content, m.status])).toEqual([
      ['Question', 'complete'],
      ['Partiel', 'error'],
      ['Complet', 'complete'],
    ]);
  });

  it('refuses a second send while an answer is streaming', async () => {
    const { store, requests } = setup();
    void store.getState().send('Un');
    void store.getState().send('Deux');
    expect(requests).toHaveLength(1);
  });
});
