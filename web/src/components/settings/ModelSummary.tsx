import type { Settings } from '../../api/settings';
import { providerLabels } from './presets';

const number = new Intl.NumberFormat('fr-FR');

/** Team mode, for a member: which model answers, read-only (the administrator chooses it). */
export function ModelSummary({ settings }: { settings: Settings }) {
  if (!settings.configured || !settings.provider) {
    return (
      <p data-testid="model-summary" className="text-sm">
        Aucun modèle n’est encore choisi. Demandez à l’administrateur de votre équipe d’en choisir un.
      </p>
    );
  }
  return (
    <dl data-testid="model-summary" className="grid max-w-md grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
      <dt className="text-text-muted">Fournisseur</dt>
      <dd>{providerLabels[settings.provider]}</dd>
      <dt className="text-text-muted">Modèle</dt>
      <dd data-testid="model-summary-model" className="break-all">
        {settings.model}
      </dd>
      <dt className="text-text-muted">Longueur maximale d’une réponse</dt>
      <dd>{number.format(settings.max_tokens)} jetons</dd>
    </dl>
  );
}
