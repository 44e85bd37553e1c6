import { EventSourceParserStream } from 'eventsource-parser/stream';
import { isObject, partsFrom, type MessagePart } from '../stores/messageParts';
import { ApiError, errorFromResponse, isAbortError, messages } from './errors';

export interface ChatRequest {
  content?: string;
  conversation_id?: string;
  action?: 'send' | 'regenerate' | 'continue';
  /** The answer outlives this request: a dropped connection can follow it again (the page always sets it). */
  resumable?: boolean;
  /** Files uploaded first (POST /api/attachments), up to 10. */
  attachments?: string[];
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
}

/**
 * Mirrors the server's `ChatEvent` records (src/Therese.Server/Chat/ChatEvent.cs). Every data line also carries
 * `content`, the answer text it adds (`""` for most), for clients that know only text.
 */
export type ChatStreamEvent =
  /** `parts`: what the answer starts from (a continued or a saved one); its text alone when absent. */
  | { type: 'start'; conversation_id: string; message_id: string; user_message_id?: string; content: string; conversation_title?: string; parts?: MessagePart[] }
  | { type: 'delta'; content: string }
  | { type: 'reasoning'; reasoning: string }
  | { type: 'reasoning_end'; duration_ms: number }
  /** The text shown since the last reasoning (or the start) was reasoning: it becomes a reasoning part. */
  | { type: 'text_was_reasoning'; duration_ms: number }
  /** The model asked for a tool; the step runs (TOOLS-CONTRACT.md). */
  | { type: 'tool_call'; call_id: string; server: string; name: string; arguments: Record<string, unknown> }
  /** The call waits for the person; `description` says in French what the tool will do (may be ""). */
  | { type: 'tool_approval'; call_id: string; description: string }
  /** The wait was decided, here or in another tab. */
  | { type: 'tool_decision'; call_id: string; approved: boolean }
  /** The tool answered; `summary` is its first 200 characters, or a French reason when `ok` is false. */
  | { type: 'tool_result'; call_id: string; ok: boolean; summary: string }
  | { type: 'ping' }
  | { type: 'loading' }
  | { type: 'done'; stop_reason: string | null; usage?: Usage }
  | { type: 'error'; error: { code: string; message: string } };

/** An event with its SSE id: the answer's sequence number (1 is start), null for pings. */
export interface StreamItem {
  id: number | null;
  event: ChatStreamEvent;
}

const DONE_SENTINEL = '[DONE]';
type Fetch = typeof fetch;
const defaultFetch: Fetch = (...args) => fetch(...args);

/**
 * POST /api/chat/stream and yield its events until the `[DONE]` line.
 * Throws ApiError for HTTP errors, network failures and malformed data; rethrows the AbortError
 * when `signal` is aborted so callers can tell a Stop from a failure.
 */
export function streamChat(request: ChatRequest, signal?: AbortSignal, fetchImpl: Fetch = defaultFetch): AsyncGenerator<StreamItem, void, undefined> {
  return readStream(
    '/api/chat/stream',
    { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' }, body: JSON.stringify(request), signal },
    fetchImpl,
  );
}

/** GET /api/chat/stream/{id}: the answer's events after `afterId`, then the live rest, until `[DONE]`. */
export function followAnswer(messageId: string, afterId: number, signal?: AbortSignal, fetchImpl: Fetch = defaultFetch): AsyncGenerator<StreamItem, void, undefined> {
  return readStream(
    `/api/chat/stream/${encodeURIComponent(messageId)}`,
    { method: 'GET', headers: { Accept: 'text/event-stream', 'Last-Event-ID': String(afterId) }, signal },
    fetchImpl,
  );
}

/**
 * POST /api/chat/stream/{id}/tools/{call_id}: the person allows or refuses a tool call that waits for them.
 * A call already decided (409) or gone (404) becomes an ApiError with the server's French sentence.
 */
export async function decideTool(messageId: string, callId: string, approve: boolean, fetchImpl: Fetch = defaultFetch): Promise<void> {
  let response: Response;
  try {
    response = await fetchImpl(`/api/chat/stream/${encodeURIComponent(messageId)}/tools/${encodeURIComponent(callId)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ approve }),
    });
  } catch {
    throw new ApiError('network', messages.network);
  }
  if (response.ok) return;
  const error = await errorFromResponse(response);
  // The server's problem+json says it best; these stand in when a proxy answered instead.
  if (error.code === 'http_error' && response.status === 409)
    throw new ApiError('tool_not_waiting', 'Cette demande a déjà reçu une réponse.', response.status);
  if (error.code === 'http_error' && response.status === 404)
    throw new ApiError('not_found', 'Cette demande d’autorisation n’existe plus (la réponse est peut-être terminée).', 404);
  throw error;
}

/** POST /api/chat/stream/{id}/stop: the model stops for every tab, the partial answer is saved. */
export async function stopAnswer(messageId: string, fetchImpl: Fetch = defaultFetch): Promise<void> {
  const response = await fetchImpl(`/api/chat/stream/${encodeURIComponent(messageId)}/stop`, { method: 'POST' });
  if (!response.ok && response.status !== 404) throw await errorFromResponse(response);
}

async function* readStream(url: string, init: RequestInit, fetchImpl: Fetch): AsyncGenerator<StreamItem, void, undefined> {
  const signal = init.signal ?? undefined;
  let response: Response;
  try {
    response = await fetchImpl(url, init);
  } catch (error) {
    if (isAbortError(error) || signal?.aborted) throw error;
    throw new ApiError('network', messages.network);
  }

  if (!response.ok) throw await errorFromResponse(response);
  if (!response.body) throw new ApiError('malformed_stream', messages.malformed, response.status);

  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();

  try {
    for (;;) {
      let result: ReadableStreamReadResult<{ data: string; id?: string }>;
      try {
        result = await reader.read();
      } catch (error) {
        if (isAbortError(error) || signal?.aborted) throw error;
        throw new ApiError('network', messages.streamCut);
      }
      if (result.done) throw new ApiError('stream_incomplete', messages.streamIncomplete);
      const { data, id } = result.value;
      if (data === DONE_SENTINEL) return;
      const number = id === undefined ? NaN : Number(id);
      yield { id: Number.isSafeInteger(number) ? number : null, event: parseEvent(data) };
    }
  } finally {
    // Releases the connection when the consumer stops early (Stop, error, [DONE]).
    reader.cancel().catch(() => {});
  }
}

/** Validates one `data:` payload; anything unexpected becomes an ApiError instead of a crash later. */
export function parseEvent(data: string): ChatStreamEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    throw new ApiError('malformed_stream', `${messages.malformed} (données JSON invalides)`);
  }
  if (!raw || typeof raw !== 'object') throw malformed('événement vide');
  const event = raw as Record<string, unknown>;

  switch (event.type) {
    case 'start': {
      if (typeof event.conversation_id !== 'string' || typeof event.message_id !== 'string')
        throw malformed('début de réponse incomplet');
      return {
        type: 'start',
        conversation_id: event.conversation_id,
        message_id: event.message_id,
        user_message_id: typeof event.user_message_id === 'string' ? event.user_message_id : undefined,
        content: typeof event.content === 'string' ? event.content : '',
        ...(typeof event.conversation_title === 'string' ? { conversation_title: event.conversation_title } : {}),
        parts: partsFrom(event.parts, typeof event.content === 'string' ? event.content : ''),
      };
    }
    case 'delta':
      if (typeof event.content !== 'string') throw malformed('fragment de texte manquant');
      return { type: 'delta', content: event.content };
    case 'reasoning':
      if (typeof event.reasoning !== 'string') throw malformed('fragment de réflexion manquant');
      return { type: 'reasoning', reasoning: event.reasoning };
    case 'reasoning_end':
    case 'text_was_reasoning':
      if (typeof event.duration_ms !== 'number') throw malformed('durée de réflexion manquante');
      return { type: event.type, duration_ms: event.duration_ms };
    case 'tool_call':
      if (typeof event.call_id !== 'string' || typeof event.server !== 'string' || typeof event.name !== 'string')
        throw malformed('appel d’outil incomplet');
      return { type: 'tool_call', call_id: event.call_id, server: event.server, name: event.name, arguments: isObject(event.arguments) ? event.arguments : {} };
    case 'tool_approval':
      if (typeof event.call_id !== 'string') throw malformed('demande d’autorisation incomplète');
      return { type: 'tool_approval', call_id: event.call_id, description: typeof event.description === 'string' ? event.description : '' };
    case 'tool_decision':
      if (typeof event.call_id !== 'string' || typeof event.approved !== 'boolean') throw malformed('décision incomplète');
      return { type: 'tool_decision', call_id: event.call_id, approved: event.approved };
    case 'tool_result':
      if (typeof event.call_id !== 'string' || typeof event.ok !== 'boolean') throw malformed('résultat d’outil incomplet');
      return { type: 'tool_result', call_id: event.call_id, ok: event.ok, summary: typeof event.summary === 'string' ? event.summary : '' };
    case 'ping':
      return { type: 'ping' };
    case 'loading':
      return { type: 'loading' };
    case 'done':
      return {
        type: 'done',
        stop_reason: typeof event.stop_reason === 'string' ? event.stop_reason : null,
        usage: isUsage(event.usage) ? event.usage : undefined,
      };
    case 'error': {
      const error = event.error as Record<string, unknown> | undefined;
      if (!error || typeof error.code !== 'string' || typeof error.message !== 'string')
        throw malformed('erreur sans description');
      return { type: 'error', error: { code: error.code, message: error.message } };
    }
    default:
      throw malformed(`type d’événement inconnu « ${String(event.type)} »`);
  }
}

function malformed(what: string): ApiError {
  return new ApiError('malformed_stream', `${messages.malformed} (${what})`);
}

function isUsage(value: unknown): value is Usage {
  if (!value || typeof value !== 'object') return false;
  const usage = value as Record<string, unknown>;
  return typeof usage.input_tokens === 'number' && typeof usage.output_tokens === 'number';
}
