import { defaultFetch, jsonBody, requestJson } from './http';

export type Provider = 'anthropic' | 'openai' | 'local';
export type SettingField = 'provider' | 'model' | 'base_url' | 'api_key' | 'max_tokens' | 'system_prompt' | 'reasoning';
/** « Réflexion approfondie »: how hard the model may think before it answers. */
export type ReasoningLevel = 'off' | 'low' | 'medium' | 'high';

/** GET /api/settings: the settings in force. The key itself never comes back. */
export interface Settings {
  provider: Provider | null;
  model: string;
  base_url: string | null;
  api_key: { set: boolean; last4: string | null };
  max_tokens: number;
  system_prompt: string;
  reasoning: ReasoningLevel;
  default_system_prompt: string;
  configured: boolean;
  /** Pinned by the administrator (configuration, environment, command line): read-only here. */
  locked: SettingField[];
  /** Where each locked field comes from, in French. */
  sources: Partial<Record<SettingField, string>>;
}

/**
 * What a save or a test sends: any subset. An absent field is kept; `null` (or `''`) clears it back
 * to its default. `api_key` as a string sets the key, `''` clears it.
 */
export interface SettingsPatch {
  provider?: Provider | null;
  model?: string | null;
  base_url?: string | null;
  api_key?: string | null;
  max_tokens?: number | null;
  system_prompt?: string | null;
  reasoning?: ReasoningLevel | null;
}

export interface ModelChoice {
  id: string;
  name: string;
}

export interface ConnectionTest {
  ok: boolean;
  sample: string | null;
  error: { code: string; message: string } | null;
}

export interface OllamaStatus {
  available: boolean;
  base_url: string;
  models: ModelChoice[];
}

export const getSettings = (signal?: AbortSignal, fetchImpl = defaultFetch) =>
  requestJson<Settings>('/api/settings', { signal }, fetchImpl);

export const saveSettings = (patch: SettingsPatch, fetchImpl = defaultFetch) =>
  requestJson<Settings>('/api/settings', jsonBody('PUT', patch), fetchImpl);

/** « Tester la connexion »: the values on screen, unsaved, over the saved ones. */
export const testSettings = (patch: SettingsPatch, fetchImpl = defaultFetch) =>
  requestJson<ConnectionTest>('/api/settings/test', jsonBody('POST', patch), fetchImpl);

/** The provider's own model list, for the values on screen (a typed key travels in the body). */
export const listModels = async (patch: SettingsPatch, signal?: AbortSignal, fetchImpl = defaultFetch) =>
  (await requestJson<{ models: ModelChoice[] }>('/api/settings/models', { ...jsonBody('POST', patch), signal }, fetchImpl)).models;

export const detectOllama = (signal?: AbortSignal, fetchImpl = defaultFetch) =>
  requestJson<OllamaStatus>('/api/settings/ollama', { signal }, fetchImpl);
