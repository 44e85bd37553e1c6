import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/errors';
import { accountStore } from '../../stores/accountStore';
import { Field, inputClass, primaryButton } from '../settings/Field';
import { AuthCard } from './AuthCard';

/** Team mode: the page before the chat. */
export function SignIn() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await accountStore.getState().signIn(email.trim(), password);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Une erreur inattendue est survenue. Réessayez.');
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard testId="sign-in" title="Connexion" intro="Connectez-vous avec le compte que l’administrateur de THÉRÈSE vous a créé.">
      <form className="flex flex-col gap-4" onSubmit={(e) => void submit(e)}>
        <Field id="sign-in-email" label="Adresse e-mail">
          <input id="sign-in-email" data-testid="sign-in-email" type="email" autoComplete="username" required autoFocus
            className={inputClass} value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field id="sign-in-password" label="Mot de passe">
          <input id="sign-in-password" data-testid="sign-in-password" type="password" autoComplete="current-password" required
            className={inputClass} value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        {error && (
          <p data-testid="sign-in-error" role="alert" className="rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm">
            {error}
          </p>
        )}
        <button type="submit" data-testid="sign-in-submit" className={primaryButton} disabled={busy}>
          {busy ? 'Connexion…' : 'Se connecter'}
        </button>
      </form>
    </AuthCard>
  );
}
