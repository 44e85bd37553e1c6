/** Codes the server documents (docs/api.md) plus the ones only the client can detect. */
export type ApiErrorCode =
  | 'invalid_request'
  | 'content_too_long'
  | 'unsupported_media_type'
  | 'not_found'
  | 'not_configured'
  | 'auth'
  | 'rate_limited'
  | 'overloaded'
  | 'upstream'
  | 'timeout'
  | 'network'
  | 'http_error'
  | 'malformed_stream'
  | 'stream_incomplete'
  | 'token_required'
  | 'token_invalid'
  | (string & {});

/** Every failure of the HTTP API reaches the UI as one of these, with a French sentence in `message`. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status?: number;

  constructor(code: ApiErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

export const messages = {
  network:
    'Impossible de joindre THÉRÈSE. Vérifiez que le serveur est démarré et votre connexion, puis réessayez.',
  streamCut: 'La connexion a été coupée avant la fin de la réponse.',
  streamIncomplete: 'La réponse s’est arrêtée avant la fin, sans signal de fin du serveur.',
  malformed: 'THÉRÈSE a reçu une réponse illisible du serveur.',
  httpStatus: (status: number) =>
    `Le serveur a répondu par une erreur (HTTP ${status}). Réessayez dans un instant.`,
} as const;

export function isAbortError(error: unknown): boolean {
  return (
    (error instanceof DOMException && error.name === 'AbortError') ||
    (error instanceof Error && error.name === 'AbortError')
  );
}

type TokenRequiredListener = () => void;
const tokenRequiredListeners = new Set<TokenRequiredListener>();

/**
 * Called whenever the server answers `401 token_required` (an access token protects this THÉRÈSE and the
 * browser has not proved it yet), whichever request it was. Returns the function that unsubscribes.
 */
export function onTokenRequired(listener: TokenRequiredListener): () => void {
  tokenRequiredListeners.add(listener);
  return () => tokenRequiredListeners.delete(listener);
}

type SessionListener = (code: 'sign_in_required' | 'password_change_required') => void;
const sessionListeners = new Set<SessionListener>();

/**
 * Team mode: called whenever the server says the session is over (`401 sign_in_required`) or that a new
 * password is required first (`403 password_change_required`), whichever request it was.
 */
export function onSessionChange(listener: SessionListener): () => void {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

/**
 * Turns a non-2xx answer into an ApiError. The server sends application/problem+json whose
 * `detail` is meant for the user; anything else (a proxy's HTML page…) gets a generic sentence.
 */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    const text = await response.text();
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (body && typeof body === 'object') {
    const { detail, code, title } = body as Record<string, unknown>;
    const message =
      typeof detail === 'string' && detail.trim() !== ''
        ? detail
        : typeof title === 'string' && title.trim() !== ''
          ? title
          : messages.httpStatus(response.status);
    if (code === 'token_required') for (const listener of tokenRequiredListeners) listener();
    if (code === 'sign_in_required' || code === 'password_change_required') for (const listener of sessionListeners) listener(code);
    return new ApiError(typeof code === 'string' ? code : 'http_error', message, response.status);
  }
  return new ApiError('http_error', messages.httpStatus(response.status), response.status);
}
