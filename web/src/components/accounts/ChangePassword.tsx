import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/errors';
import { accountStore } from '../../stores/accountStore';
import { Field, inputClass, primaryButton, secondaryButton } from '../settings/Field';

interface ChangePasswordProps {
  /** The admin set this password: nothing else until a new one is chosen. */
  required?: boolean;
  onDone?: () => void;
}

/** Choosing a new password: forced after the admin set one, or from the user menu. */
export function ChangePassword({ required = false, onDone }: ChangePasswordProps) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone(false);
    if (next !== again) {
      setError('Les deux nouveaux mots de passe ne sont pas identiques.');
      return;
    }
    setBusy(true);
    try {
      await accountStore.getState().changePassword(current, next);
      setCurrent('');
      setNext('');
      setAgain('');
      setDone(true);
      onDone?.();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Une erreur inattendue est survenue. Réessayez.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form data-testid="change-password" className="flex flex-col gap-4" onSubmit={(e) => void submit(e)}>
      {required && (
        <p data-testid="password-required" className="rounded-lg bg-surface-muted px-3 py-2 text-sm">
          L’administrateur vous a donné un mot de passe provisoire : choisissez le vôtre pour continuer.
        </p>
      )}
      <Field id="password-current" label={required ? 'Mot de passe provisoire' : 'Mot de passe actuel'}>
        <input id="password-current" data-testid="password-current" type="password" autoComplete="current-password" required autoFocus
          className={inputClass} value={current} onChange={(e) => setCurrent(e.target.value)} />
      </Field>
      <Field id="password-new" label="Nouveau mot de passe (10 caractères au moins)">
        <input id="password-new" data-testid="password-new" type="password" autoComplete="new-password" required minLength={10}
          className={inputClass} value={next} onChange={(e) => setNext(e.target.value)} />
      </Field>
      <Field id="password-again" label="Le nouveau mot de passe, une seconde fois">
        <input id="password-again" data-testid="password-again" type="password" autoComplete="new-password" required
          className={inputClass} value={again} onChange={(e) => setAgain(e.target.value)} />
      </Field>
      {error && <p data-testid="password-error" role="alert" className="rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm">{error}</p>}
      {done && <p data-testid="password-changed" role="status" className="text-sm text-text-muted">Mot de passe changé.</p>}
      <div className="flex gap-2">
        <button type="submit" data-testid="password-submit" className={primaryButton} disabled={busy}>
          {busy ? 'Enregistrement…' : 'Changer le mot de passe'}
        </button>
        {required && (
          <button type="button" className={secondaryButton} onClick={() => void accountStore.getState().signOut()}>
            Se déconnecter
          </button>
        )}
      </div>
    </form>
  );
}
