import { defaultFetch, jsonBody, requestJson } from './http';

/**
 * POST /api/auth/token: proves the access token once; the server answers with an HttpOnly cookie that
 * the browser then sends with every request. Throws ApiError `token_invalid` (French message) when wrong.
 */
export const proveAccessToken = (token: string, fetchImpl = defaultFetch) =>
  requestJson<void>('/api/auth/token', jsonBody('POST', { token }), fetchImpl);
