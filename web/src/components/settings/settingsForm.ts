import type { Provider, ReasoningLevel, Settings, SettingField, SettingsPatch } from '../../api/settings';
import { customPreset, presetOf, servicePresets } from './presets';

/** What the settings form holds while the user edits it. */
export interface SettingsForm {
  provider: Provider;
  /** OpenAI-compatible: the chosen service, or `custom`. */
  preset: string;
  baseUrl: string;
  model: string;
  /** A key typed now; empty keeps the saved one (unless the service changed, see below). */
  apiKey: string;
  /** The user asked to forget the saved key. */
  clearKey: boolean;
  maxTokens: string;
  systemPrompt: string;
  reasoning: ReasoningLevel;
}

export function formFromSettings(settings: Settings, start?: Partial<SettingsForm>): SettingsForm {
  const provider = start?.provider ?? settings.provider ?? 'anthropic';
  const sameProvider = provider === settings.provider;
  const preset = start?.preset ?? (provider === 'openai' ? presetOf(sameProvider ? settings.base_url : null) : customPreset);
  const presetUrl = servicePresets.find((p) => p.id === preset)?.baseUrl;
  return {
    provider,
    preset,
    baseUrl: start?.baseUrl ?? (sameProvider && presetOf(settings.base_url) === preset ? (settings.base_url ?? '') : (presetUrl ?? '')),
    model: start?.model ?? (sameProvider ? settings.model : ''),
    apiKey: '',
    clearKey: false,
    maxTokens: String(settings.max_tokens),
    systemPrompt: settings.system_prompt,
    reasoning: settings.reasoning ?? 'off',
  };
}

/**
 * The saved key belongs to the service it was saved for: when the provider or the address changes, it
 * is not sent to the new one (it is cleared unless a new key is typed).
 */
export function serviceChanged(form: SettingsForm, settings: Settings): boolean {
  const url = (form.baseUrl.trim() || null)?.replace(/\/+$/, '') ?? null;
  const saved = settings.base_url?.replace(/\/+$/, '') ?? null;
  return form.provider !== settings.provider || url !== saved;
}

/** The fields to send: only what the user may change (locked fields are left out). */
export function patchFromForm(form: SettingsForm, settings: Settings): SettingsPatch {
  const locked = new Set<SettingField>(settings.locked);
  const patch: SettingsPatch = {};
  if (!locked.has('provider')) patch.provider = form.provider;
  if (!locked.has('base_url')) patch.base_url = form.baseUrl.trim() || null;
  if (!locked.has('model')) patch.model = form.model.trim() || null;
  if (!locked.has('api_key')) {
    if (form.apiKey.trim() !== '') patch.api_key = form.apiKey.trim();
    else if (form.clearKey || (settings.api_key.set && serviceChanged(form, settings))) patch.api_key = '';
  }
  if (!locked.has('max_tokens')) {
    const max = Number.parseInt(form.maxTokens, 10);
    patch.max_tokens = Number.isFinite(max) ? max : null;
  }
  if (!locked.has('system_prompt'))
    patch.system_prompt = form.systemPrompt.trim() === settings.default_system_prompt.trim() ? null : form.systemPrompt;
  if (!locked.has('reasoning')) patch.reasoning = form.reasoning === 'off' ? null : form.reasoning;
  return patch;
}

/** A key is needed: Claude and the online services; local servers (Ollama, LM Studio) take none. */
export function needsKey(form: SettingsForm): boolean {
  if (form.provider === 'anthropic') return true;
  if (form.provider !== 'openai') return false;
  return !servicePresets.find((p) => p.id === form.preset)?.local;
}
