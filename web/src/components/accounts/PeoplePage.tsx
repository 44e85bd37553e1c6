import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { createUser, deleteUser, listUsers, updateUser, type Role, type TeamUser, type UserPatch } from '../../api/accounts';
import { ApiError } from '../../api/errors';
import { useAccountStore } from '../../stores/accountStore';
import { Field, inputClass, primaryButton, secondaryButton } from '../settings/Field';

const errorText = (e: unknown) => (e instanceof ApiError ? e.message : 'Une erreur inattendue est survenue. Réessayez.');
const date = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'short' });

/** « Personnes »: the admin creates, disables, resets and promotes the people of the team. */
export function PeopleSection() {
  const me = useAccountStore((s) => s.me);
  const [people, setPeople] = useState<TeamUser[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setPeople(await listUsers());
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  useEffect(() => void refresh(), [refresh]);

  const patch = async (person: TeamUser, change: UserPatch, done: string) => {
    setError(null);
    setNotice(null);
    try {
      await updateUser(person.id, change);
      setNotice(done);
      await refresh();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <section aria-labelledby="people-title" className="flex flex-col gap-6">
      <div>
        <h2 id="people-title" className="text-xl font-semibold">
          Les personnes de l’équipe
        </h2>
        <p className="mt-1 text-sm text-text-muted">Chacun ne voit que ses propres conversations. Le modèle et sa clé restent réglés par un administrateur.</p>
      </div>
      <NewPerson onCreated={(name) => { setNotice(`${name} peut maintenant se connecter.`); void refresh(); }} onError={setError} />
      {notice && <p data-testid="people-notice" role="status" className="text-sm text-text-muted">{notice}</p>}
      {error && <p data-testid="people-error" role="alert" className="rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm">{error}</p>}
      <ul data-testid="people-list" className="flex flex-col gap-3">
        {people?.map((person) => (
          <li key={person.id} data-testid="person" data-email={person.email} className="rounded-xl border border-border p-4">
            <div className="flex flex-wrap items-baseline gap-2">
              <span className="font-semibold">{person.name}</span>
              <span className="text-sm text-text-muted">{person.email}</span>
              <span className="rounded-md bg-surface-muted px-2 py-0.5 text-xs">{person.role === 'admin' ? 'Administrateur' : 'Membre'}</span>
              {person.disabled && <span className="rounded-md bg-danger/15 px-2 py-0.5 text-xs">Désactivé</span>}
              {person.must_change_password && <span className="rounded-md bg-surface-muted px-2 py-0.5 text-xs">Mot de passe provisoire</span>}
              {person.locked_until && <span className="rounded-md bg-danger/15 px-2 py-0.5 text-xs">Verrouillé jusqu’à {date.format(new Date(person.locked_until))}</span>}
            </div>
            {person.id !== me?.id && (
              <div className="mt-3 flex flex-wrap gap-2">
                <button type="button" data-testid="toggle-role" className={secondaryButton}
                  onClick={() => void patch(person, { role: person.role === 'admin' ? 'member' : 'admin' }, `Le rôle de ${person.name} a changé.`)}>
                  {person.role === 'admin' ? 'Retirer les droits d’administrateur' : 'Nommer administrateur'}
                </button>
                <button type="button" data-testid="toggle-disabled" className={secondaryButton}
                  onClick={() => void patch(person, { disabled: !person.disabled }, person.disabled ? `${person.name} peut de nouveau se connecter.` : `${person.name} ne peut plus se connecter.`)}>
                  {person.disabled ? 'Réactiver' : 'Désactiver'}
                </button>
                <ResetPassword person={person} onReset={(password) => void patch(person, { password, must_change_password: true }, `Mot de passe provisoire donné à ${person.name}.`)} />
                <button type="button" data-testid="delete-person" className={`${secondaryButton} text-danger`}
                  onClick={() => {
                    if (window.confirm(`Supprimer ${person.name} et toutes ses conversations ?`))
                      void deleteUser(person.id).then(refresh, (e: unknown) => setError(errorText(e)));
                  }}>
                  Supprimer
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function ResetPassword({ person, onReset }: { person: TeamUser; onReset: (password: string) => void }) {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  if (!open)
    return (
      <button type="button" data-testid="reset-password" className={secondaryButton} onClick={() => setOpen(true)}>
        Nouveau mot de passe
      </button>
    );
  return (
    <span className="flex gap-2">
      <input aria-label={`Mot de passe provisoire de ${person.name}`} data-testid="reset-password-value" type="text" autoComplete="off"
        className={inputClass} value={password} onChange={(e) => setPassword(e.target.value)} />
      <button type="button" data-testid="reset-password-submit" className={primaryButton} disabled={password.length < 10}
        onClick={() => { onReset(password); setOpen(false); setPassword(''); }}>
        Donner
      </button>
    </span>
  );
}

function NewPerson({ onCreated, onError }: { onCreated: (name: string) => void; onError: (message: string) => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [mustChange, setMustChange] = useState(true);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const person = await createUser({ email: email.trim(), name: name.trim() || undefined, password, role, must_change_password: mustChange });
      setEmail('');
      setName('');
      setPassword('');
      onCreated(person.name);
    } catch (e) {
      onError(errorText(e));
    }
  };

  return (
    <form data-testid="new-person" className="grid gap-3 rounded-xl border border-border p-4 sm:grid-cols-2" onSubmit={(e) => void submit(e)}>
      <h3 className="text-sm font-medium sm:col-span-2">Ajouter une personne</h3>
      <Field id="new-person-name" label="Nom">
        <input id="new-person-name" data-testid="new-person-name" className={inputClass} value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field id="new-person-email" label="Adresse e-mail">
        <input id="new-person-email" data-testid="new-person-email" type="email" required className={inputClass} value={email} onChange={(e) => setEmail(e.target.value)} />
      </Field>
      <Field id="new-person-password" label="Mot de passe provisoire (10 caractères au moins)">
        <input id="new-person-password" data-testid="new-person-password" type="text" autoComplete="off" required minLength={10}
          className={inputClass} value={password} onChange={(e) => setPassword(e.target.value)} />
      </Field>
      <Field id="new-person-role" label="Rôle">
        <select id="new-person-role" data-testid="new-person-role" className={inputClass} value={role} onChange={(e) => setRole(e.target.value as Role)}>
          <option value="member">Membre</option>
          <option value="admin">Administrateur</option>
        </select>
      </Field>
      <label className="flex items-center gap-2 text-sm sm:col-span-2">
        <input type="checkbox" data-testid="new-person-must-change" checked={mustChange} onChange={(e) => setMustChange(e.target.checked)} className="accent-accent-violet" />
        Demander un nouveau mot de passe à la première connexion
      </label>
      <div className="sm:col-span-2">
        <button type="submit" data-testid="new-person-submit" className={primaryButton}>
          Ajouter
        </button>
      </div>
    </form>
  );
}
