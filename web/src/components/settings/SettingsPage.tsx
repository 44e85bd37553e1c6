import { useEffect } from 'react';
import { useAccountStore } from '../../stores/accountStore';
import { useSettingsStore, settingsStore } from '../../stores/settingsStore';
import { PageFrame } from '../layout/PageFrame';
import { ModelForm } from './ModelForm';
import { ModelSummary } from './ModelSummary';
import { ToolsSection } from './ToolsSection';

interface SettingsPageProps {
  onOpenMenu?: () => void;
  menuOpen?: boolean;
  onBack: () => void;
}

/**
 * « Réglages »: which model answers, with what key, limits and instructions, and the tools it may use. In team
 * mode only the administrator changes them; the others see which model answers and which tools exist.
 */
export function SettingsPage({ onOpenMenu, menuOpen = false, onBack }: SettingsPageProps) {
  const settings = useSettingsStore((s) => s.settings);
  const error = useSettingsStore((s) => s.error);
  const member = useAccountStore((s) => s.me?.mode === 'team' && s.me.role !== 'admin');
  useEffect(() => {
    void settingsStore.getState().load();
  }, []);

  return (
    <PageFrame title="Réglages" contentId="settings-content" onOpenMenu={onOpenMenu} menuOpen={menuOpen} onBack={onBack}>
      <section data-testid="settings" aria-labelledby="settings-model-title">
        <h2 id="settings-model-title" className="text-xl font-semibold">
          Modèle
        </h2>
        <p className="mt-1 mb-6 text-sm text-text-muted">
          {member
            ? 'Le modèle qui écrit les réponses de THÉRÈSE. Il est choisi par l’administrateur de votre équipe.'
            : 'Le modèle qui écrit les réponses de THÉRÈSE. Un changement s’applique au message suivant ; une réponse en cours se termine avec le modèle qui l’a commencée.'}
        </p>
        {settings ? (
          member ? (
            <ModelSummary settings={settings} />
          ) : (
            <ModelForm settings={settings} />
          )
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
      {/* A change of provider may turn tools on or off: the list is read again. */}
      <ToolsSection key={settings?.provider ?? ''} readOnly={member} />
    </PageFrame>
  );
}
