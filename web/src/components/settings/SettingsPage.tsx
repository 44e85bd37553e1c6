import { useEffect } from 'react';
import { useSettingsStore, settingsStore } from '../../stores/settingsStore';
import { ThemeToggle } from '../theme/ThemeToggle';
import { ModelForm } from './ModelForm';

interface SettingsPageProps {
  onOpenMenu?: () => void;
  menuOpen?: boolean;
  onBack: () => void;
}

/** « Réglages »: which model answers, with what key, limits and instructions. */
export function SettingsPage({ onOpenMenu, menuOpen = false, onBack }: SettingsPageProps) {
  const settings = useSettingsStore((s) => s.settings);
  const error = useSettingsStore((s) => s.error);
  useEffect(() => {
    void settingsStore.getState().load();
  }, []);

  return (
    <div className="flex h-dvh flex-col bg-surface text-text">
      <header className="border-b border-border">
        <div className="mx-auto flex w-full max-w-3xl items-center gap-2 px-4 py-2.5">
          {onOpenMenu && (
            <button
              type="button"
              id="menu-button"
              data-testid="menu-button"
              aria-label="Afficher les conversations"
              aria-expanded={menuOpen}
              aria-controls="conversation-sidebar"
              onClick={onOpenMenu}
              className="flex size-9 items-center justify-center rounded-lg text-text-muted hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan md:hidden"
            >
              <svg aria-hidden="true" viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
                <path d="M4 6h16M4 12h16M4 18h16" />
              </svg>
            </button>
          )}
          <h1 className="mr-auto text-lg font-semibold">Réglages</h1>
          <button
            type="button"
            data-testid="back-to-chat"
            onClick={onBack}
            className="rounded-lg px-3 py-1.5 text-sm text-text-muted hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan"
          >
            <span className="sm:hidden">Retour</span>
            <span className="hidden sm:inline">Retour à la conversation</span>
          </button>
          <ThemeToggle />
        </div>
      </header>
      <main id="settings-content" tabIndex={-1} className="min-h-0 flex-1 overflow-y-auto focus:outline-none">
        <section data-testid="settings" aria-labelledby="settings-model-title" className="mx-auto w-full max-w-3xl px-4 py-6">
          <h2 id="settings-model-title" className="text-xl font-semibold">
            Modèle
          </h2>
          <p className="mt-1 mb-6 text-sm text-text-muted">
            Le modèle qui écrit les réponses de THÉRÈSE. Un changement s’applique au message suivant ; une réponse en
            cours se termine avec le modèle qui l’a commencée.
          </p>
          {settings ? (
            <ModelForm settings={settings} />
          ) : error ? (
            <p role="alert" className="text-sm">
              {error}
            </p>
          ) : (
            <p role="status" className="text-sm text-text-muted">
              Chargement des réglages…
            </p>
          )}
        </section>
      </main>
    </div>
  );
}
