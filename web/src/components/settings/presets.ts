/** OpenAI-compatible services a user is likely to have, with the address their SDK expects. */
export interface ServicePreset {
  id: string;
  label: string;
  baseUrl: string;
  /** The service runs on this computer and needs no key. */
  local: boolean;
}

export const servicePresets: ServicePreset[] = [
  { id: 'ollama', label: 'Ollama (sur cet ordinateur)', baseUrl: 'http://localhost:11434/v1', local: true },
  { id: 'lmstudio', label: 'LM Studio (sur cet ordinateur)', baseUrl: 'http://localhost:1234/v1', local: true },
  { id: 'mistral', label: 'Mistral AI', baseUrl: 'https://api.mistral.ai/v1', local: false },
  { id: 'openrouter', label: 'OpenRouter', baseUrl: 'https://openrouter.ai/api/v1', local: false },
  { id: 'openai', label: 'OpenAI', baseUrl: 'https://api.openai.com/v1', local: false },
];

export const customPreset = 'custom';

/** The preset an address belongs to, or « Autre adresse ». */
export function presetOf(baseUrl: string | null | undefined): string {
  const url = (baseUrl ?? '').replace(/\/+$/, '');
  return servicePresets.find((p) => p.baseUrl === url)?.id ?? customPreset;
}

export const providerLabels = {
  anthropic: 'Claude (Anthropic)',
  openai: 'Service compatible OpenAI',
  local: 'Modèle local, dans THÉRÈSE',
} as const;
