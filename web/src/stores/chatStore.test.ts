import { describe, expect, it, vi } from 'vitest';
import type { ChatRequest, ChatStreamEvent, StreamItem } from '../api/chatStream';
import { ApiError } from '../api/errors';
import type { AnswerAnnouncement, AnswerChannel } from './answerChannel';
import { createChatStore, type ChatDeps } from './chatStore';

/** A hand-driven stream: the test pushes events (numbered like the server does) and decides when it ends. */
function controllableStream(firstId = 1) {
  const queue: StreamItem[] = [];
  let nextId = firstId;
  let wake: (() => void) | null = null;
  let ended = false;
  let failure: unknown = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  return {
    push(...events: ChatStreamEvent[]) {
      queue.push(...events.map((event) => ({ id: event.type === 'ping' ? null : nextId++, event })));
      poke();
    },
    /** Pushes an event with a given id (a replay may repeat ids the client has). */
    pushWithId(id: number, event: ChatStreamEvent) {
      queue.push({ id, event });
      nextId = id + 1;
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
    async *iterate(signal: AbortSignal): AsyncGenerator<StreamItem> {
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

function setup(overrides: Partial<ChatDeps> = {}) {
  const frames = fakeFrames();
  const streams: ReturnType<typeof controllableStream>[] = [];
  const follows: { messageId: string; afterId: number; stream: ReturnType<typeof controllableStream> }[] = [];
  const requests: ChatRequest[] = [];
  const stops: string[] = [];
  const timers: (() => void)[] = [];
  let id = 0;
  const deps: Partial<ChatDeps> = {
    streamChat: (request, signal) => {
      requests.push(request);
      const stream = controllableStream();
      streams.push(stream);
      return stream.iterate(signal);
    },
    followAnswer: (messageId, afterId, signal) => {
      const stream = controllableStream(afterId + 1);
      follows.push({ messageId, afterId, stream });
      return stream.iterate(signal);
    },
    stopAnswer: async (messageId) => void stops.push(messageId),
    requestFrame: frames.requestFrame,
    cancelFrame: frames.cancelFrame,
    setTimeout: (cb) => timers.push(cb),
    clearTimeout: () => {},
    newId: () => `id-${++id}`,
    channel: null,
    ...overrides,
  };
  const store = createChatStore(deps);
  /** Runs the timers set so far (reconnection delays). */
  const runTimers = () => timers.splice(0).forEach((cb) => cb());
  return { store, frames, streams, follows, requests, stops, runTimers };
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

  it('folds reasoning then text into ordered parts, one store update per frame, content the answer alone', async () => {
    const { store, frames, streams } = setup();
    const sending = store.getState().send('Réfléchis');
    streams[0].push(start(), { type: 'reasoning', reasoning: 'Je ' }, { type: 'reasoning', reasoning: 'pèse.' });
    await flushPromises();
    frames.tick();
    // « THÉRÈSE réfléchit... » goes with the first reasoning token: the answer is streaming.
    expect(store.getState().status).toBe('streaming');
    expect(store.getState().messages[1]).toMatchObject({ content: '', parts: [{ type: 'reasoning', text: 'Je pèse.', duration_ms: null }] });

    streams[0].push({ type: 'reasoning_end', duration_ms: 12000 }, delta('Voici'), delta(' tout.'), done);
    streams[0].end();
    await sending;
    expect(store.getState().messages[1]).toMatchObject({
      content: 'Voici tout.',
      status: 'complete',
      parts: [
        { type: 'reasoning', text: 'Je pèse.', duration_ms: 12000 },
        { type: 'text', text: 'Voici tout.' },
      ],
    });
  });

  it('stop() during reasoning keeps what was thought, ended, with how long it lasted', async () => {
    const { store, streams } = setup();
    const sending = store.getState().send('Réfléchis');
    streams[0].push(start('conv-1', '', 'srv-think'), { type: 'reasoning', reasoning: 'Première idée' });
    await flushPromises();
    store.getState().stop();
    const answer = store.getState().messages[1];
    expect(answer).toMatchObject({ status: 'stopped', content: '' });
    expect(answer.parts).toHaveLength(1);
    expect(answer.parts![0]).toMatchObject({ type: 'reasoning', text: 'Première idée' });
    expect((answer.parts![0] as { duration_ms: number | null }).duration_ms).toEqual(expect.any(Number));
    streams[0].end();
    await sending;
  });

  it('text that was reasoning becomes a reasoning part when the server says so', async () => {
    const { store, streams } = setup();
    const sending = store.getState().send('x');
    streams[0].push(start(), delta('Hmm, voyons.'), { type: 'text_was_reasoning', duration_ms: 800 }, delta('Bonjour !'), done);
    streams[0].end();
    await sending;
    expect(store.getState().messages[1]).toMatchObject({
      content: 'Bonjour !',
      parts: [
        { type: 'reasoning', text: 'Hmm, voyons.', duration_ms: 800 },
        { type: 'text', text: 'Bonjour !' },
      ],
    });
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

  it('stop() stops the model on the server, aborts at once, keeps the partial text and marks it stopped', async () => {
    const { store, streams, stops } = setup();
    const sending = store.getState().send('Longue réponse');
    streams[0].push(start('conv-1', '', 'srv-long'), delta('Une réponse par'));
    await flushPromises();

    store.getState().stop();
    expect(stops).toEqual(['srv-long']);
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
    const { store, streams, stops } = setup({
      streamChat: (_req, signal) => {
        seen.push(signal);
        const stream = controllableStream();
        streams.push(stream);
        return stream.iterate(signal);
      },
    });
    const sending = store.getState().send('x');
    // Stop before the server named the answer: the screen stops at once; the request stays open
    // until start names the answer, then the server is asked to stop it.
    store.getState().stop();
    expect(store.getState().messages[1].status).toBe('stopped');
    expect(seen[0].aborted).toBe(false);
    streams[0].push(start('conv-9', '', 'srv-early'), delta('trop tard'));
    await sending;
    await flushPromises();
    expect(stops).toEqual(['srv-early']);
    expect(seen[0].aborted).toBe(true);
    // The conversation is known: the next message goes to the same one, and nothing late was shown.
    expect(store.getState().conversationId).toBe('conv-9');
    expect(store.getState().messages[1]).toMatchObject({ id: 'srv-early', content: '', status: 'stopped' });
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
    expect(requests).toEqual([
      { content: 'Un', resumable: true },
      { content: 'Deux', conversation_id: 'conv-42', resumable: true },
    ]);
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
    streams[0].push(start('conv-7'), delta('Partiel'), { type: 'error', error: { code: 'upstream', message: 'Erreur du fournisseur.' } });
    await first;
    expect(store.getState().messages[1]).toMatchObject({ status: 'error', saved: true });

    const retrying = store.getState().retry();
    expect(store.getState().status).toBe('waiting');
    streams[1].push(start('conv-7'), delta('Réponse'), done);
    streams[1].end();
    await retrying;

    expect(requests[1]).toEqual({ action: 'regenerate', conversation_id: 'conv-7', resumable: true });
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
    expect(requests[1]).toEqual({ content: 'Question', resumable: true });
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
    expect(requests[1]).toEqual({ action: 'regenerate', conversation_id: 'conv-1', resumable: true });
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
    expect(requests[1]).toEqual({ action: 'continue', conversation_id: 'conv-1', resumable: true });
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
    const { store, follows, frames } = setup({ getConversation: getConversation as unknown as ChatDeps['getConversation'] });
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

    // Still being written: the page follows it live from its first event, the replay replacing the saved checkpoint.
    expect(follows.map((f) => [f.messageId, f.afterId])).toEqual([['m5', 0]]);
    expect(store.getState().status).toBe('streaming');
    follows[0].stream.push(start('c1', '', 'm5'), delta('texte et la suite'));
    await flushPromises();
    frames.tick();
    expect(store.getState().messages[4]).toMatchObject({ content: 'texte et la suite', status: 'streaming' });
    follows[0].stream.push(done);
    follows[0].stream.end();
    await flushPromises();
    expect(store.getState().messages[4].status).toBe('complete');

    // Opening the same conversation again does not refetch.
    await store.getState().openConversation('c1');
    expect(getConversation).toHaveBeenCalledTimes(1);
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

  it('after a dropped connection, follows the answer again after the last event, with no text twice', async () => {
    const { store, streams, follows, frames, runTimers } = setup();
    const sending = store.getState().send('Longue question');
    streams[0].push(start('conv-1', '', 'srv-r'), delta('Un '), delta('deux '));
    await flushPromises();
    streams[0].fail(new ApiError('network', 'La connexion a été coupée.'));
    await flushPromises();
    expect(store.getState().reconnecting).toBe(true);
    expect(store.getState().status).toBe('streaming');

    runTimers();
    await flushPromises();
    expect(follows.map((f) => [f.messageId, f.afterId])).toEqual([['srv-r', 3]]);
    // A replay may repeat an event the page has: it is skipped.
    follows[0].stream.pushWithId(3, delta('deux '));
    follows[0].stream.pushWithId(5, delta('trois quatre '));
    await flushPromises();
    frames.tick();
    expect(store.getState().reconnecting).toBe(false);
    follows[0].stream.push(delta('cinq'), done);
    follows[0].stream.end();
    await sending;
    expect(store.getState().messages[1]).toMatchObject({ content: 'Un deux trois quatre cinq', status: 'complete' });
  });

  it('a message refused before any answer (busy conversation) is taken back, explained, and not shown', async () => {
    const { store, streams } = setup();
    const first = store.getState().send('Un');
    streams[0].push(start('conv-1'), delta('A'), done);
    streams[0].end();
    await first;

    const second = store.getState().send('Deux');
    streams[1].fail(new ApiError('conversation_busy', 'THÉRÈSE répond déjà dans cette conversation.', 409));
    expect(await second).toBe(false);
    expect(store.getState().messages.map((m) => m.content)).toEqual(['Un', 'A']);
    expect(store.getState().notice).toBe('THÉRÈSE répond déjà dans cette conversation.');
    expect(store.getState().status).toBe('idle');
  });

  it('a message sent while the stopped answer is still being saved waits for it, then goes', async () => {
    let stopAnswered!: () => void;
    const { store, streams, requests } = setup({ stopAnswer: () => new Promise<void>((resolve) => (stopAnswered = resolve)) });
    const first = store.getState().send('Mauvaise question');
    streams[0].push(start('conv-7', '', 'srv-wrong'), delta('Début'));
    await flushPromises();
    store.getState().stop();
    await first;

    const second = store.getState().send('Bonne question');
    await flushPromises();
    // The server has not answered the Stop yet (it saves the answer first): the question shows, and waits.
    expect(requests).toHaveLength(1);
    expect(store.getState().messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Mauvaise question'],
      ['assistant', 'Début'],
      ['user', 'Bonne question'],
      ['assistant', ''],
    ]);
    expect(store.getState().status).toBe('waiting');

    stopAnswered();
    await flushPromises();
    expect(requests[1]).toEqual({ content: 'Bonne question', conversation_id: 'conv-7', resumable: true });
    streams[1].push(start('conv-7', '', 'srv-right'), delta('Voilà'), done);
    streams[1].end();
    expect(await second).toBe(true);
    expect(store.getState().messages.map((m) => [m.content, m.status])).toEqual([
      ['Mauvaise question', 'complete'],
      ['Début', 'stopped'],
      ['Bonne question', 'complete'],
      ['Voilà', 'complete'],
    ]);
  });

  it('a message the server finds busy just after a Stop is sent again, not lost', async () => {
    const { store, streams, requests, runTimers } = setup();
    const first = store.getState().send('Mauvaise question');
    streams[0].push(start('conv-8', '', 'srv-a'), delta('Début'));
    await flushPromises();
    store.getState().stop();
    await first;

    const second = store.getState().send('Bonne question');
    await flushPromises();
    streams[1].fail(new ApiError('conversation_busy', 'THÉRÈSE répond déjà dans cette conversation.', 409));
    await flushPromises();
    // Not given up: still shown, no notice, sent again after a short wait.
    expect(store.getState().notice).toBeNull();
    expect(store.getState().messages.at(-2)).toMatchObject({ role: 'user', content: 'Bonne question' });
    runTimers();
    await flushPromises();
    expect(requests).toHaveLength(3);
    streams[2].push(start('conv-8', '', 'srv-b'), delta('Voilà'), done);
    streams[2].end();
    expect(await second).toBe(true);
    expect(store.getState().messages.map((m) => m.content)).toEqual(['Mauvaise question', 'Début', 'Bonne question', 'Voilà']);
  });

  it('a waiting message taken back by Stop is not sent and goes back to the input', async () => {
    const { store, streams, requests } = setup({ stopAnswer: () => new Promise<void>(() => {}) });
    const first = store.getState().send('Un');
    streams[0].push(start('conv-3', '', 'srv-1'), delta('A'));
    await flushPromises();
    store.getState().stop();
    await first;

    const second = store.getState().send('Deux');
    store.getState().stop();
    expect(await second).toBe(false);
    expect(requests).toHaveLength(1);
    expect(store.getState().messages.map((m) => m.content)).toEqual(['Un', 'A']);
    expect(store.getState().status).toBe('idle');
  });

  it('says « Chargement du modèle » while a local model loads', async () => {
    const { store, streams, frames } = setup();
    const sending = store.getState().send('Bonjour');
    streams[0].push(start(), { type: 'loading' });
    await flushPromises();
    expect(store.getState().messages[1].loadingModel).toBe(true);
    streams[0].push(delta('Salut'));
    await flushPromises();
    frames.tick();
    expect(store.getState().messages[1]).toMatchObject({ content: 'Salut', loadingModel: false });
    streams[0].push(done);
    streams[0].end();
    await sending;
  });

  it('shows live an answer another tab started in the same conversation', async () => {
    let listener: ((a: AnswerAnnouncement) => void) | null = null;
    const announced: AnswerAnnouncement[] = [];
    const channel: AnswerChannel = { announce: (a) => void announced.push(a), listen: (l) => ((listener = l), () => {}) };
    const { store, streams, follows, frames } = setup({ channel });
    const first = store.getState().send('Un');
    streams[0].push({ ...start('conv-5', '', 'srv-1'), user_message_id: 'srv-u1' } as ChatStreamEvent, delta('A'), done);
    streams[0].end();
    await first;
    expect(announced).toEqual([{ conversationId: 'conv-5', messageId: 'srv-1', user: { id: 'srv-u1', content: 'Un' } }]);

    listener!({ conversationId: 'conv-5', messageId: 'srv-2', user: { id: 'srv-u2', content: 'Deux (autre onglet)' } });
    expect(store.getState().status).toBe('waiting');
    expect(follows.map((f) => f.messageId)).toEqual(['srv-2']);
    follows[0].stream.push(start('conv-5', '', 'srv-2'), delta('B'));
    await flushPromises();
    frames.tick();
    expect(store.getState().messages.map((m) => [m.content, m.status])).toEqual([
      ['Un', 'complete'],
      ['A', 'complete'],
      ['Deux (autre onglet)', 'complete'],
      ['B', 'streaming'],
    ]);
    // Another conversation's announcement is not this tab's business.
    listener!({ conversationId: 'conv-other', messageId: 'srv-9' });
    expect(follows).toHaveLength(1);
  });

  it('browses the versions of an answer in place', async () => {
    const version = (id: string, n: number, content: string) => ({
      id, conversation_id: 'c1', role: 'assistant' as const, content, status: 'complete' as const, stop_reason: 'end_turn',
      input_tokens: 1, output_tokens: 2, created_at: '', version_count: 2, version: n,
    });
    const shown: string[] = [];
    const { store } = setup({
      getConversation: async () => ({ id: 'c1', title: 't', created_at: '', updated_at: '', messages: [
        { ...version('u1', 1, 'Q'), role: 'user' as const }, version('v2', 2, 'Seconde'),
      ] }),
      listVersions: async () => [version('v1', 1, 'Première'), version('v2', 2, 'Seconde')],
      showVersion: async (_c, id) => {
        shown.push(id);
        return { id: 'c1', title: 't', created_at: '', updated_at: '', messages: [] };
      },
    });
    await store.getState().openConversation('c1');
    expect(store.getState().messages[1]).toMatchObject({ content: 'Seconde', version: 2, versionCount: 2 });
    await store.getState().browseVersion('v2', -1);
    expect(shown).toEqual(['v1']);
    expect(store.getState().messages[1]).toMatchObject({ id: 'v1', content: 'Première', version: 1, versionCount: 2 });
    await store.getState().browseVersion('v1', -1);
    expect(shown).toEqual(['v1']);
  });

  describe('tool steps', () => {
    const toolCall: ChatStreamEvent = { type: 'tool_call', call_id: 'c1', server: 'courriel', name: 'envoyer_courriel', arguments: { a: 'maire@example.fr' } };
    const waitingPart = {
      type: 'tool' as const,
      call_id: 'c1',
      server: 'courriel',
      name: 'envoyer_courriel',
      arguments: { a: 'maire@example.fr' },
      state: 'awaiting_approval' as const,
      ok: null,
      summary: null,
      result: null,
    };

    it('folds a tool call, its approval, the decision and its result into the parts, in order with the text', async () => {
      const { store, frames, streams } = setup();
      const sending = store.getState().send('Écris au maire');
      streams[0].push(start(), delta('Je prépare le courriel.'), toolCall, { type: 'tool_approval', call_id: 'c1', description: 'Envoie un courriel.' });
      await flushPromises();
      frames.tick();
      expect(store.getState().status).toBe('streaming');
      expect(store.getState().messages[1].parts).toEqual([
        { type: 'text', text: 'Je prépare le courriel.' },
        { ...waitingPart, description: 'Envoie un courriel.' },
      ]);

      streams[0].push({ type: 'tool_decision', call_id: 'c1', approved: true }, { type: 'tool_result', call_id: 'c1', ok: true, summary: 'Demande enregistrée.' }, delta('C’est envoyé.'), done);
      streams[0].end();
      await sending;
      expect(store.getState().messages[1]).toMatchObject({
        status: 'complete',
        content: 'Je prépare le courriel.C’est envoyé.',
        parts: [
          { type: 'text', text: 'Je prépare le courriel.' },
          { type: 'tool', call_id: 'c1', state: 'done', ok: true, summary: 'Demande enregistrée.' },
          { type: 'text', text: 'C’est envoyé.' },
        ],
      });
    });

    it('a reloaded answer waiting for approval keeps its card, then follows the decision made elsewhere', async () => {
      const getConversation = vi.fn(async () => ({
        id: 'c1',
        title: 'T',
        created_at: '',
        updated_at: '',
        messages: [
          { id: 'q', conversation_id: 'c1', role: 'user', content: 'Écris', status: 'complete', stop_reason: null, input_tokens: null, output_tokens: null, created_at: '', version_count: 1 },
          { id: 'm', conversation_id: 'c1', role: 'assistant', content: '', parts: [waitingPart], status: 'streaming', stop_reason: null, input_tokens: null, output_tokens: null, created_at: '', version_count: 1 },
        ],
      }));
      const { store, follows, frames } = setup({ getConversation: getConversation as unknown as ChatDeps['getConversation'] });
      await store.getState().openConversation('c1');
      // The saved checkpoint already shows the card.
      expect(store.getState().messages[1].parts).toEqual([waitingPart]);
      expect(store.getState().status).toBe('streaming');

      // The replay starts with the parts so far, the card among them.
      follows[0].stream.push({ ...(start('c1', '', 'm') as Extract<ChatStreamEvent, { type: 'start' }>), parts: [{ ...waitingPart, description: 'Envoie un courriel.' }] });
      await flushPromises();
      frames.tick();
      expect(store.getState().messages[1].parts).toEqual([{ ...waitingPart, description: 'Envoie un courriel.' }]);

      follows[0].stream.push({ type: 'tool_decision', call_id: 'c1', approved: false }, { type: 'tool_result', call_id: 'c1', ok: false, summary: 'Refusé.' }, delta('Je n’envoie rien.'), done);
      follows[0].stream.end();
      await flushPromises();
      expect(store.getState().messages[1]).toMatchObject({
        status: 'complete',
        parts: [{ type: 'tool', state: 'refused', ok: false, summary: 'Refusé.' }, { type: 'text', text: 'Je n’envoie rien.' }],
      });
    });

    it('stop() during a tool call leaves it cancelled, as the server saves it', async () => {
      const { store, streams, frames } = setup();
      const sending = store.getState().send('Agenda ?');
      streams[0].push(start('conv-1', '', 'srv-tool'), toolCall);
      await flushPromises();
      frames.tick();
      store.getState().stop();
      expect(store.getState().messages[1]).toMatchObject({ status: 'stopped', parts: [{ type: 'tool', call_id: 'c1', state: 'cancelled' }] });
      streams[0].end();
      await sending;
    });

    it('decideTool() posts the decision and shows it at once; a refusal of the server comes back as its French sentence', async () => {
      const decideTool = vi.fn(async (_m: string, _c: string, approve: boolean) => {
        if (!approve) throw new ApiError('tool_not_waiting', 'Cette demande a déjà reçu une réponse.', 409);
      });
      const { store, streams, frames } = setup({ decideTool });
      const sending = store.getState().send('Écris');
      streams[0].push(start('conv-1', '', 'srv-d'), toolCall, { type: 'tool_approval', call_id: 'c1', description: '' });
      await flushPromises();
      frames.tick();

      expect(await store.getState().decideTool('srv-d', 'c1', false)).toBe('Cette demande a déjà reçu une réponse.');
      expect(store.getState().messages[1].parts![0]).toMatchObject({ state: 'awaiting_approval' });

      expect(await store.getState().decideTool('srv-d', 'c1', true)).toBeNull();
      expect(decideTool).toHaveBeenLastCalledWith('srv-d', 'c1', true);
      expect(store.getState().messages[1].parts![0]).toMatchObject({ state: 'running' });
      streams[0].push(done);
      streams[0].end();
      await sending;
    });
  });
});
