import { useEffect, type ReactNode } from 'react';
import { accountStore, useAccountStore } from '../../stores/accountStore';
import { primaryButton } from '../settings/Field';
import { AuthCard } from './AuthCard';
import { ChangePassword } from './ChangePassword';
import { FirstAdminSetup } from './FirstAdminSetup';
import { SignIn } from './SignIn';

/**
 * Personal mode: the app at once. Team mode: the first admin to create, the sign-in, or a new password
 * to choose, before the app; signing out drops what this page knew of the person.
 */
export function AccountGate({ children }: { children: ReactNode }) {
  const status = useAccountStore((s) => s.status);
  useEffect(() => {
    // Personal mode, written into the page by the server: nothing to ask.
    if (accountStore.getState().status === 'loading') void accountStore.getState().load();
  }, []);

  switch (status) {
    case 'loading':
      return (
        <p role="status" className="flex min-h-dvh items-center justify-center bg-surface text-text-muted">
          Chargement…
        </p>
      );
    case 'setup':
      return <FirstAdminSetup />;
    case 'signed_out':
      return <SignIn />;
    case 'password':
      return (
        <AuthCard testId="password-required-page" title="Choisissez votre mot de passe">
          <ChangePassword required />
        </AuthCard>
      );
    case 'unreachable':
      return (
        <AuthCard testId="server-unreachable" title="THÉRÈSE ne répond pas">
          <p className="mb-4 text-sm">Impossible de joindre le serveur de THÉRÈSE. Vérifiez qu’il est démarré, puis réessayez.</p>
          <button type="button" className={primaryButton} onClick={() => void accountStore.getState().load()}>
            Réessayer
          </button>
        </AuthCard>
      );
    default:
      return <>{children}</>;
  }
}
