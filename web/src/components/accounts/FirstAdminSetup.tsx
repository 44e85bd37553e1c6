import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/errors';
import { accountStore } from '../../stores/accountStore';
import { Field, inputClass, primaryButton } from '../settings/Field';
import { AuthCard } from './AuthCard';

/** Team mode, nobody yet, on the machine THÉRÈSE runs on: the first admin, once. */
export function FirstAdminSetup() {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await accountStore.getState().createFirstAdmin(email.trim(), name.trim(), password);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Une erreur inattendue est survenue. Réessayez.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard
      testId="first-admin"
      title="Premier administrateur"
      intro="Cette THÉRÈSE sert une équipe. Créez le compte qui gérera les personnes et le modèle ; ce formulaire n’apparaît qu’une fois, et seulement sur cet ordinateur."
    >
      <form className="flex flex-col gap-4" onSubmit={(e) => void submit(e)}>
        <Field id="setup-name" label="Votre nom">
          <input id="setup-name" data-testid="setup-name" autoComplete="name" className={inputClass} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field id="setup-email" label="Adresse e-mail">
          <input id="setup-email" data-testid="setup-email" type="email" autoComplete="username" required className={inputClass} value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field id="setup-password" label="Mot de passe (10 caractères au moins)">
          <input id="setup-password" data-testid="setup-password" type="password" autoComplete="new-password" required minLength={10}
            className={inputClass} value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        {error && <p role="alert" className="rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm">{error}</p>}
        <button type="submit" data-testid="setup-submit" className={primaryButton} disabled={busy}>
          {busy ? 'Création…' : 'Créer le compte'}
        </button>
      </form>
    </AuthCard>
  );
}
