import { useEffect, useState, type ReactNode } from 'react';
import { detectOllama, type OllamaStatus, type Settings } from '../../api/settings';
import { ModelForm } from './ModelForm';
import { secondaryButton } from './Field';
import type { SettingsForm } from './settingsForm';

type Choice = 'local' | 'ollama' | 'claude' | 'openai';

interface OnboardingProps {
  settings: Settings;
  onDone: () => void;
}

/**
 * The first screen of a THÉRÈSE with no model: a few clear choices instead of an error. Never an
 * error banner here; a local Ollama shows as ready when one answers.
 */
export function Onboarding({ settings, onDone }: OnboardingProps) {
  const [choice, setChoice] = useState<Choice | null>(null);
  const [ollama, setOllama] = useState<OllamaStatus | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    detectOllama(controller.signal)
      .then(setOllama)
      .catch(() => setOllama({ available: false, base_url: 'http://localhost:11434/v1', models: [] }));
    return () => controller.abort();
  }, []);

  const start: Record<Choice, Partial<SettingsForm>> = {
    local: { provider: 'local', model: '' },
    ollama: { provider: 'openai', preset: 'ollama', baseUrl: ollama?.base_url ?? 'http://localhost:11434/v1', model: ollama?.models[0]?.id ?? '' },
    claude: { provider: 'anthropic', baseUrl: '' },
    openai: { provider: 'openai', preset: 'mistral', baseUrl: 'https://api.mistral.ai/v1', model: '' },
  };

  return (
    <div data-testid="onboarding" className="flex min-h-0 flex-1 justify-center overflow-y-auto px-4 py-8">
      <div className="w-full max-w-2xl">
        <div aria-hidden="true" className="welcome-mark mb-5 size-12 rounded-2xl" />
        <h2 className="text-2xl font-semibold text-balance">Bienvenue ! Choisissons le modèle qui vous répondra.</h2>
        <p className="mt-2 text-text-muted">
          THÉRÈSE écrit ses réponses avec un modèle de langage. Il peut tourner sur cet ordinateur ou chez un fournisseur en ligne.
        </p>

        {choice === null ? (
          <ul className="mt-6 flex flex-col gap-3">
            <ChoiceCard testId="onboarding-local" title="Télécharger un modèle qui fonctionne dans THÉRÈSE" onChoose={() => setChoice('local')}>
              Rien d’autre à installer, et vos conversations ne quittent pas cet ordinateur. Un modèle d’environ 1 Go, téléchargé une fois.
            </ChoiceCard>
            <ChoiceCard
              testId="onboarding-ollama"
              title="Utiliser Ollama sur cet ordinateur"
              onChoose={() => setChoice('ollama')}
              status={
                ollama === null ? (
                  <span role="status">Recherche d’Ollama…</span>
                ) : ollama.available ? (
                  <span data-testid="ollama-ready" className="font-medium text-text">
                    Ollama est prêt : {ollama.models.length} modèle{ollama.models.length > 1 ? 's' : ''} disponible{ollama.models.length > 1 ? 's' : ''}.
                  </span>
                ) : (
                  <span data-testid="ollama-absent">
                    Ollama n’a pas été trouvé sur cet ordinateur. Installez-le depuis ollama.com puis revenez ici.
                  </span>
                )
              }
            >
              Vos conversations ne quittent pas cet ordinateur.
            </ChoiceCard>
            <ChoiceCard testId="onboarding-claude" title="Utiliser Claude avec ma clé" onChoose={() => setChoice('claude')}>
              Les modèles d’Anthropic, avec une clé d’API de console.anthropic.com.
            </ChoiceCard>
            <ChoiceCard testId="onboarding-openai" title="Utiliser un autre service compatible OpenAI" onChoose={() => setChoice('openai')}>
              Mistral AI, OpenRouter, OpenAI, LM Studio ou l’adresse de votre choix.
            </ChoiceCard>
          </ul>
        ) : (
          <div className="mt-6">
            <button type="button" data-testid="onboarding-back" className={`${secondaryButton} mb-5`} onClick={() => setChoice(null)}>
              ← Autres choix
            </button>
            <ModelForm
              settings={settings}
              start={start[choice]}
              knownModels={choice === 'ollama' ? ollama?.models : undefined}
              compact={choice !== 'openai'}
              onSaved={(saved) => {
                if (saved.configured) onDone();
              }}
            />
          </div>
        )}
      </div>
    </div>
  );
}

function ChoiceCard({ testId, title, status, onChoose, children }: { testId: string; title: string; status?: ReactNode; onChoose: () => void; children: ReactNode }) {
  return (
    <li>
      <button
        type="button"
        data-testid={testId}
        onClick={onChoose}
        className="w-full rounded-xl border border-border p-4 text-left hover:border-accent-cyan hover:bg-accent-cyan/5 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-cyan"
      >
        <span className="block font-semibold">{title}</span>
        <span className="mt-1 block text-sm text-text-muted">{children}</span>
        {status && <span className="mt-2 block text-sm text-text-muted">{status}</span>}
      </button>
    </li>
  );
}
