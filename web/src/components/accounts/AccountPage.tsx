import { useAccountStore } from '../../stores/accountStore';
import { ChangePassword } from './ChangePassword';

/** « Mon compte »: who I am, and a new password. */
export function AccountSection() {
  const me = useAccountStore((s) => s.me);
  return (
    <section aria-labelledby="account-title" className="flex max-w-md flex-col gap-6">
      <div>
        <h2 id="account-title" className="text-xl font-semibold">
          Vos informations
        </h2>
        <p className="mt-1 text-sm text-text-muted">
          {me?.name} · {me?.email} · {me?.role === 'admin' ? 'administrateur' : 'membre'}
        </p>
      </div>
      <div>
        <h3 className="mb-3 text-sm font-medium">Changer de mot de passe</h3>
        <ChangePassword />
      </div>
    </section>
  );
}
