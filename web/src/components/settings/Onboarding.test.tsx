import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Settings } from '../../api/settings';
import { Onboarding } from './Onboarding';

const fresh: Settings = {
  provider: null,
  model: '',
  base_url: null,
  api_key: { set: false, last4: null },
  max_tokens: 4096,
  system_prompt: 'Tu es THÉRÈSE.',
  reasoning: 'off',
  default_system_prompt: 'Tu es THÉRÈSE.',
  configured: false,
  locked: [],
  sources: {},
};

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } });

describe('Onboarding', () => {
  it('offers the choices, shows a local Ollama as ready, and never an error banner', async () => {
    vi.stubGlobal('fetch', vi.fn(async (input: RequestInfo | URL) => {
      const url = String(input);
      if (url.endsWith('/api/settings/ollama'))
        return json({ available: true, base_url: 'http://localhost:11434/v1', models: [{ id: 'mistral', name: 'mistral' }] });
      return json({ models: [{ id: 'mistral', name: 'mistral' }] });
    }));
    render(<Onboarding settings={fresh} onDone={() => {}} />);
    expect(await screen.findByTestId('ollama-ready')).toHaveTextContent('Ollama est prêt : 1 modèle disponible.');
    expect(screen.getByTestId('onboarding-claude')).toBeInTheDocument();
    expect(screen.getByTestId('onboarding-openai')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();

    await userEvent.click(screen.getByTestId('onboarding-ollama'));
    expect(screen.getByTestId('model')).toHaveValue('mistral');
    expect(screen.queryByRole('alert')).toBeNull();
    vi.unstubAllGlobals();
  });

  it('says plainly when no Ollama answers', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json({ available: false, base_url: 'http://localhost:11434/v1', models: [] })));
    render(<Onboarding settings={fresh} onDone={() => {}} />);
    expect(await screen.findByTestId('ollama-absent')).toHaveTextContent('Ollama n’a pas été trouvé');
    expect(screen.queryByRole('alert')).toBeNull();
    vi.unstubAllGlobals();
  });
});
