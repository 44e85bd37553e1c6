import { describe, expect, it } from 'vitest';
import type { Settings } from '../../api/settings';
import { formFromSettings, needsKey, patchFromForm } from './settingsForm';

const base: Settings = {
  provider: 'anthropic',
  model: 'claude-sonnet-4-5',
  base_url: null,
  api_key: { set: true, last4: 'abcd' },
  max_tokens: 4096,
  system_prompt: 'Tu es THÉRÈSE.',
  reasoning: 'off',
  default_system_prompt: 'Tu es THÉRÈSE.',
  configured: true,
  locked: [],
  sources: {},
};

describe('settings form', () => {
  it('keeps the saved key when nothing about the service changes', () => {
    const form = formFromSettings(base);
    const patch = patchFromForm({ ...form, model: 'claude-opus-4' }, base);
    expect(patch).not.toHaveProperty('api_key');
    expect(patch.model).toBe('claude-opus-4');
    expect(patch.system_prompt).toBeNull();
  });

  it('sends the reasoning level, off as unset', () => {
    const form = formFromSettings(base);
    expect(form.reasoning).toBe('off');
    expect(patchFromForm(form, base).reasoning).toBeNull();
    expect(patchFromForm({ ...form, reasoning: 'high' }, base).reasoning).toBe('high');
    const locked: Settings = { ...base, reasoning: 'medium', locked: ['reasoning'], sources: { reasoning: 'la ligne de commande' } };
    expect(patchFromForm(formFromSettings(locked), locked)).not.toHaveProperty('reasoning');
  });

  it('never sends the saved key to another service', () => {
    const form = formFromSettings(base, { provider: 'openai', preset: 'openrouter', baseUrl: 'https://openrouter.ai/api/v1' });
    expect(patchFromForm(form, base).api_key).toBe('');
    expect(patchFromForm({ ...form, apiKey: ' sk-or-123 ' }, base).api_key).toBe('sk-or-123');
  });

  it('leaves locked fields out and clears on demand', () => {
    const locked: Settings = { ...base, locked: ['provider', 'model'], sources: { provider: 'la ligne de commande', model: 'la ligne de commande' } };
    const patch = patchFromForm({ ...formFromSettings(locked), clearKey: true }, locked);
    expect(patch).not.toHaveProperty('provider');
    expect(patch).not.toHaveProperty('model');
    expect(patch.api_key).toBe('');
  });

  it('asks for a key for online services only', () => {
    expect(needsKey(formFromSettings(base))).toBe(true);
    expect(needsKey(formFromSettings(base, { provider: 'openai', preset: 'ollama' }))).toBe(false);
    expect(needsKey(formFromSettings(base, { provider: 'openai', preset: 'mistral' }))).toBe(true);
  });

  it('starts an Ollama choice on its address with no model from another provider', () => {
    const form = formFromSettings({ ...base, provider: null, configured: false }, { provider: 'openai', preset: 'ollama' });
    expect(form.baseUrl).toBe('http://localhost:11434/v1');
    expect(form.model).toBe('');
  });
});
