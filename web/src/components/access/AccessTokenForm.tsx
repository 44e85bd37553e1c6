import { useId, useState, type FormEvent } from 'react';
import { useAccessStore, accessStore } from '../../stores/accessStore';
import { inputClass, primaryButton } from '../settings/Field';

/** The whole page while the server waits for the access token: asked once, then kept in an HttpOnly cookie. */
export function AccessTokenForm() {
  const id = useId();
  const [token, setToken] = useState('');
  const submitting = useAccessStore((s) => s.submitting);
  const error = useAccessStore((s) => s.error);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void accessStore.getState().submit(token);
  };

  return (
    <main data-testid="access-token" className="flex h-dvh items-center justify-center bg-surface px-4 text-text">
      <form onSubmit={onSubmit} className="flex w-full max-w-md flex-col gap-4" aria-describedby={`${id}-why`}>
        <div aria-hidden="true" className="welcome-mark size-12 rounded-2xl" />
        <h1 className="text-2xl font-semibold">Jeton d’accès</h1>
        <p id={`${id}-why`} className="text-text-muted">
          Cette installation de THÉRÈSE est protégée. Saisissez le jeton d’accès que son administrateur vous a donné ;
          ce navigateur le gardera ensuite.
        </p>
        <div className="flex flex-col gap-1.5">
          <label htmlFor={`${id}-token`} className="text-sm font-medium">
            Jeton d’accès
          </label>
          <input
            id={`${id}-token`}
            data-testid="access-token-input"
            type="password"
            autoComplete="current-password"
            autoFocus
            className={inputClass}
            value={token}
            onChange={(event) => setToken(event.target.value)}
            aria-invalid={error !== null}
          />
        </div>
        {error && (
          <p role="alert" data-testid="access-token-error" className="text-sm text-danger">
            {error}
          </p>
        )}
        <button type="submit" data-testid="access-token-submit" className={primaryButton} disabled={submitting}>
          {submitting ? 'Vérification…' : 'Continuer'}
        </button>
      </form>
    </main>
  );
}
