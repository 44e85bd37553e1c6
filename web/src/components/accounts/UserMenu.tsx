import { accountPath, auditPath, navigate, peoplePath, usagePath } from '../../router/router';
import { accountStore, useAccountStore } from '../../stores/accountStore';

const link =
  'flex w-full items-center gap-2 rounded-lg px-3 py-2 text-left text-sm text-text-muted hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan aria-[current=page]:bg-surface-muted aria-[current=page]:text-text';

/** Team mode, at the bottom of the sidebar: who is signed in, their account, the admin pages, sign out. */
export function UserMenu({ current, onNavigate }: { current: string; onNavigate: () => void }) {
  const me = useAccountStore((s) => s.me);
  if (!me || me.mode !== 'team') return null;
  const go = (path: string) => {
    navigate(path);
    onNavigate();
  };
  return (
    <div data-testid="user-menu" className="mt-1 flex flex-col gap-0.5 border-t border-border pt-1">
      <p className="truncate px-3 pt-1 pb-0.5 text-sm">
        <span data-testid="user-name" className="font-medium">{me.name}</span>
        <span className="block truncate text-xs text-text-muted">{me.role === 'admin' ? 'Administrateur' : 'Membre'} · {me.email}</span>
      </p>
      <button type="button" data-testid="open-account" className={link} aria-current={current === 'account' ? 'page' : undefined} onClick={() => go(accountPath)}>
        Mon compte
      </button>
      {me.role === 'admin' && (
        <>
          <button type="button" data-testid="open-people" className={link} aria-current={current === 'people' ? 'page' : undefined} onClick={() => go(peoplePath)}>
            Personnes
          </button>
          <button type="button" data-testid="open-usage" className={link} aria-current={current === 'usage' ? 'page' : undefined} onClick={() => go(usagePath)}>
            Utilisation
          </button>
          <button type="button" data-testid="open-audit" className={link} aria-current={current === 'audit' ? 'page' : undefined} onClick={() => go(auditPath)}>
            Journal
          </button>
        </>
      )}
      <button type="button" data-testid="sign-out" className={link} onClick={() => void accountStore.getState().signOut()}>
        Se déconnecter
      </button>
    </div>
  );
}
