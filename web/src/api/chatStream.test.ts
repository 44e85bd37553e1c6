// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { decideTool, followAnswer, streamChat, type ChatStreamEvent, type StreamItem } from './chatStream';
import { ApiError } from './errors';
import { problemResponse, sseBody, sseResponse } from '../test/sse';

const encoder = new TextEncoder();

async function collect(response: Response | Promise<Response>): Promise<ChatStreamEvent[]> {
  const fetchImpl = vi.fn(async () => response) as unknown as typeof fetch;
  const events: ChatStreamEvent[] = [];
  for await (const item of streamChat({ content: 'Bonjour' }, undefined, fetchImpl)) events.push(item.event);
  return events;
}

async function collectError(response: Response): Promise<ApiError> {
  try {
    await collect(response);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected an ApiError');
}

const conversation = [
  { type: 'start', content: '', conversation_id: 'c1', message_id: 'm2', user_message_id: 'm1' },
  { type: 'delta', content: 'Bonjour ! Voici la ' },
  { type: 'delta', content: 'réponse 🇫🇷 « très » élaborée.\n\n```ts\nconst été = 1;\n```' },
  { type: 'ping', content: '' },
  { type: 'done', content: '', stop_reason: 'end_turn', usage: { input_tokens: 12, output_tokens: 34 } },
];

describe('followAnswer', () => {
  it('asks for the events after the last one seen and yields their ids', async () => {
    const fetchImpl = vi.fn(async () => sseResponse('id: 7\ndata: {"type":"delta","content":"suite"}\n\ndata: {"type":"ping"}\n\nid: 8\ndata: {"type":"done","stop_reason":"end_turn"}\n\ndata: [DONE]\n\n'));
    const items: StreamItem[] = [];
    for await (const item of followAnswer('m 1', 6, undefined, fetchImpl as unknown as typeof fetch)) items.push(item);

    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/chat/stream/m%201');
    expect((init.headers as Record<string, string>)['Last-Event-ID']).toBe('6');
    expect(items.map((i) => i.id)).toEqual([7, null, 8]);
    expect(items[0].event).toEqual({ type: 'delta', content: 'suite' });
  });
});

describe('streamChat', () => {
  it('posts the request as JSON and yields typed events until [DONE]', async () => {
    const fetchImpl = vi.fn(async () => sseResponse(sseBody(conversation)));
    const events: ChatStreamEvent[] = [];
    for await (const e of streamChat({ content: 'Salut', conversation_id: 'c1' }, undefined, fetchImpl as unknown as typeof fetch))
      events.push(e.event);

    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/chat/stream');
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body as string)).toEqual({ content: 'Salut', conversation_id: 'c1' });
    expect(events.map((e) => e.type)).toEqual(['start', 'delta', 'delta', 'ping', 'done']);
    expect(events[0]).toMatchObject({ conversation_id: 'c1', message_id: 'm2', user_message_id: 'm1' });
    expect(events[4]).toEqual({
      type: 'done',
      stop_reason: 'end_turn',
      usage: { input_tokens: 12, output_tokens: 34 },
    });
  });

  it('yields the same events whichever byte the stream is split at', async () => {
    const bytes = encoder.encode(sseBody(conversation));
    const expected = await collect(sseResponse([bytes]));
    expect(expected).toHaveLength(5);

    for (let split = 1; split < bytes.length; split++) {
      const events = await collect(sseResponse([bytes.slice(0, split), bytes.slice(split)]));
      expect(events, `split at byte ${split}`).toEqual(expected);
    }
  });

  it('keeps multi-byte characters intact when each byte arrives alone', async () => {
    const bytes = encoder.encode(sseBody([{ type: 'delta', content: 'é 🇫🇷 ✓ œ' }]));
    const oneByteChunks = Array.from(bytes, (b) => new Uint8Array([b]));
    const events = await collect(sseResponse(oneByteChunks));
    expect(events).toEqual([{ type: 'delta', content: 'é 🇫🇷 ✓ œ' }]);
  });

  it('accepts CRLF line endings', async () => {
    const body = sseBody(conversation).replaceAll('\n', '\r\n');
    expect(await collect(sseResponse(body))).toHaveLength(5);
  });

  it('stops at [DONE] and ignores anything after it', async () => {
    const body = sseBody([{ type: 'delta', content: 'a' }]) + 'data: not json at all\n\n';
    expect(await collect(sseResponse(body))).toEqual([{ type: 'delta', content: 'a' }]);
  });

  it('yields error events with their French message', async () => {
    const body = sseBody([
      { type: 'start', content: '', conversation_id: 'c1', message_id: 'm2' },
      { type: 'delta', content: 'Début' },
      { type: 'error', content: '', error: { code: 'overloaded', message: 'Le fournisseur est surchargé.' } },
    ]);
    const events = await collect(sseResponse(body));
    expect(events.at(-1)).toEqual({
      type: 'error',
      error: { code: 'overloaded', message: 'Le fournisseur est surchargé.' },
    });
  });

  it('raises a typed error from a problem+json answer', async () => {
    const error = await collectError(
      problemResponse(503, 'not_configured', 'Aucun modèle n’est configuré.'),
    );
    expect(error.code).toBe('not_configured');
    expect(error.status).toBe(503);
    expect(error.message).toBe('Aucun modèle n’est configuré.');
  });

  it('raises a generic French error when the error body is not problem+json', async () => {
    const error = await collectError(new Response('<html>Bad gateway</html>', { status: 502 }));
    expect(error.code).toBe('http_error');
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/HTTP 502/);
  });

  it('raises a typed error for invalid JSON data instead of crashing', async () => {
    const body = sseBody([{ type: 'delta', content: 'ok' }], { done: false }) + 'data: {"type":"delta",\n\n';
    const error = await collectError(sseResponse(body));
    expect(error.code).toBe('malformed_stream');
    expect(error.message).toMatch(/illisible/);
  });

  it('raises a typed error for an unknown event type or a missing field', async () => {
    expect((await collectError(sseResponse(sseBody([{ type: 'surprise' }])))).code).toBe('malformed_stream');
    expect((await collectError(sseResponse(sseBody([{ type: 'delta' }])))).code).toBe('malformed_stream');
    expect((await collectError(sseResponse(sseBody([{ type: 'error', error: 'x' }])))).code).toBe('malformed_stream');
  });

  it('yields reasoning events, and the parts a start carries', async () => {
    const events = await collect(
      sseResponse(
        sseBody([
          { type: 'start', content: 'Déjà', conversation_id: 'c1', message_id: 'm2', parts: [{ type: 'reasoning', text: 'Avant', duration_ms: 40 }, { type: 'text', text: 'Déjà' }] },
          { type: 'reasoning', reasoning: 'Je pense', content: '' },
          { type: 'reasoning_end', duration_ms: 1200, content: '' },
          { type: 'text_was_reasoning', duration_ms: 300, content: '' },
          { type: 'done', content: '', stop_reason: 'end_turn' },
        ]),
      ),
    );
    expect(events[0]).toMatchObject({ parts: [{ type: 'reasoning', text: 'Avant', duration_ms: 40 }, { type: 'text', text: 'Déjà' }] });
    expect(events.slice(1, 4)).toEqual([
      { type: 'reasoning', reasoning: 'Je pense' },
      { type: 'reasoning_end', duration_ms: 1200 },
      { type: 'text_was_reasoning', duration_ms: 300 },
    ]);
    expect((await collectError(sseResponse(sseBody([{ type: 'reasoning' }])))).code).toBe('malformed_stream');
    expect((await collectError(sseResponse(sseBody([{ type: 'reasoning_end' }])))).code).toBe('malformed_stream');
  });

  it('raises a typed error when the stream ends without [DONE]', async () => {
    const error = await collectError(sseResponse(sseBody([{ type: 'delta', content: 'a' }], { done: false })));
    expect(error.code).toBe('stream_incomplete');
  });

  it('raises a French network error when fetch fails', async () => {
    const fetchImpl = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    const run = async () => {
      for await (const _ of streamChat({ content: 'x' }, undefined, fetchImpl)) void _;
    };
    await expect(run()).rejects.toMatchObject({ name: 'ApiError', code: 'network' });
    await expect(run()).rejects.toThrow(/Impossible de joindre THÉRÈSE/);
  });

  it('rethrows the AbortError when the caller aborts', async () => {
    const controller = new AbortController();
    const fetchImpl = vi.fn(async (_url: string, init: RequestInit) => {
      init.signal?.throwIfAborted();
      return sseResponse(sseBody(conversation));
    }) as unknown as typeof fetch;
    controller.abort();
    const run = async () => {
      for await (const _ of streamChat({ content: 'x' }, controller.signal, fetchImpl)) void _;
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('tool events', () => {
  it('yields tool_call, tool_approval, tool_decision and tool_result, and tool parts in a start', async () => {
    const tool = { type: 'tool', call_id: 'c1', server: 'agenda', name: 'prochains_rendez_vous', arguments: { jours: 7 }, state: 'done', ok: true, summary: 'ok', result: 'ok' };
    const events = await collect(
      sseResponse(
        sseBody([
          { type: 'start', content: '', conversation_id: 'c1', message_id: 'm2', parts: [tool] },
          { type: 'tool_call', call_id: 'c2', server: 'courriel', name: 'envoyer_courriel', arguments: { a: 'x@example.fr' }, content: '' },
          { type: 'tool_approval', call_id: 'c2', description: 'Envoie un courriel.', content: '' },
          { type: 'tool_decision', call_id: 'c2', approved: false, content: '' },
          { type: 'tool_result', call_id: 'c2', ok: false, summary: 'Refusé.', content: '' },
          { type: 'done', content: '', stop_reason: 'end_turn' },
        ]),
      ),
    );
    expect(events[0]).toMatchObject({ parts: [tool] });
    expect(events.slice(1, 5)).toEqual([
      { type: 'tool_call', call_id: 'c2', server: 'courriel', name: 'envoyer_courriel', arguments: { a: 'x@example.fr' } },
      { type: 'tool_approval', call_id: 'c2', description: 'Envoie un courriel.' },
      { type: 'tool_decision', call_id: 'c2', approved: false },
      { type: 'tool_result', call_id: 'c2', ok: false, summary: 'Refusé.' },
    ]);
    expect((await collectError(sseResponse(sseBody([{ type: 'tool_call', call_id: 'c' }])))).code).toBe('malformed_stream');
    expect((await collectError(sseResponse(sseBody([{ type: 'tool_result', call_id: 'c' }])))).code).toBe('malformed_stream');
    expect((await collectError(sseResponse(sseBody([{ type: 'tool_decision', call_id: 'c' }])))).code).toBe('malformed_stream');
  });

  it('decideTool posts the decision and gives the French sentence of a refusal (409, 404, 403)', async () => {
    const fetchImpl = vi.fn(async () => new Response(null, { status: 204 })) as unknown as typeof fetch;
    await decideTool('m 1', 'c/1', true, fetchImpl);
    expect(fetchImpl).toHaveBeenCalledWith('/api/chat/stream/m%201/tools/c%2F1', expect.objectContaining({ method: 'POST', body: '{"approve":true}' }));

    const answer = (response: Response) => decideTool('m', 'c', false, vi.fn(async () => response) as unknown as typeof fetch);
    await expect(answer(problemResponse(409, 'tool_not_waiting', 'Cet appel d’outil n’attend plus de décision.'))).rejects.toMatchObject({
      code: 'tool_not_waiting',
      message: 'Cet appel d’outil n’attend plus de décision.',
    });
    // A proxy's page instead of the server's problem+json: still a French sentence.
    await expect(answer(new Response('<html>Conflict</html>', { status: 409 }))).rejects.toThrow('Cette demande a déjà reçu une réponse.');
    await expect(answer(new Response('', { status: 404 }))).rejects.toThrow(/n’existe plus/);
    await expect(answer(problemResponse(403, 'forbidden', 'Vous ne pouvez pas décider de cet appel.'))).rejects.toThrow('Vous ne pouvez pas décider de cet appel.');
  });
});
