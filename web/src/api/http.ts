import { ApiError, errorFromResponse, isAbortError, messages } from './errors';

export type Fetch = typeof fetch;
export const defaultFetch: Fetch = (...args) => fetch(...args);

/** One JSON request to the API; every failure becomes an ApiError with a French message. */
export async function requestJson<T>(url: string, init: RequestInit = {}, fetchImpl: Fetch = defaultFetch): Promise<T> {
  let response: Response;
  try {
    response = await fetchImpl(url, { ...init, headers: { Accept: 'application/json', ...init.headers } });
  } catch (error) {
    if (isAbortError(error) || init.signal?.aborted) throw error;
    throw new ApiError('network', messages.network);
  }
  if (!response.ok) throw await errorFromResponse(response);
  if (response.status === 204) return undefined as T;
  try {
    return (await response.json()) as T;
  } catch {
    throw new ApiError('malformed_stream', messages.malformed, response.status);
  }
}

/** A JSON body with its content type, for POST, PUT and PATCH. */
export const jsonBody = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});
