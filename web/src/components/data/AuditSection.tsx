import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/errors';
import { auditActionNames, auditExportUrl, getRetention, listAudit, setRetention, type AuditEntry } from '../../api/myData';

const when = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'medium' });

/** « Journal » (team mode, admin): what administrators did, who, when and from where; never what anyone wrote. */
export function AuditSection() {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  const load = useCallback(async (cursor: string | null) => {
    setLoading(true);
    try {
      const page = await listAudit(cursor);
      setEntries((old) => (cursor ? [...old, ...page.items] : page.items));
      setNext(page.next_cursor);
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Impossible de lire le journal.');
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load(null);
  }, [load]);

  return (
    <div className="flex flex-col gap-10">
      <RetentionSetting />
      <section aria-labelledby="audit-title" className="flex flex-col gap-4">
        <div className="flex flex-wrap items-end justify-between gap-3">
          <div>
            <h2 id="audit-title" className="text-xl font-semibold">
              Actions des administrateurs
            </h2>
            <p className="mt-1 text-sm text-text-muted">Personnes, réglages, modèles, exports et suppressions : qui, quand, quoi, d’où. Jamais le contenu d’une conversation.</p>
          </div>
          <a href={auditExportUrl} download data-testid="audit-export" className="rounded-lg border border-border px-3 py-1.5 text-sm font-medium hover:bg-surface-muted focus-visible:outline-2 focus-visible:outline-accent-cyan">
            Exporter en CSV
          </a>
        </div>
        {error && <p role="alert" className="rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm">{error}</p>}
        <div className="overflow-x-auto">
          <table data-testid="audit-table" className="w-full text-left text-sm">
            <thead className="text-text-muted">
              <tr>
                <th scope="col" className="py-2 pr-3 font-medium">Quand</th>
                <th scope="col" className="py-2 pr-3 font-medium">Qui</th>
                <th scope="col" className="py-2 pr-3 font-medium">Quoi</th>
                <th scope="col" className="py-2 pr-3 font-medium">Détail</th>
                <th scope="col" className="py-2 font-medium">Adresse</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} data-testid="audit-entry" className="border-t border-border align-top">
                  <td className="py-2 pr-3 whitespace-nowrap">{when.format(new Date(e.at))}</td>
                  <td className="py-2 pr-3">{e.actor_id ? e.actor_email : 'THÉRÈSE'}</td>
                  <td className="py-2 pr-3">{auditActionNames[e.action] ?? e.action}</td>
                  <td className="py-2 pr-3 break-words">{[e.target_label, e.detail].filter(Boolean).join(' — ')}</td>
                  <td className="py-2 whitespace-nowrap text-text-muted">{e.address ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {!loading && entries.length === 0 && !error && <p className="py-4 text-sm text-text-muted">Aucune action pour l’instant.</p>}
        </div>
        {next && (
          <button type="button" disabled={loading} onClick={() => void load(next)} className="self-start rounded-lg px-3 py-1.5 text-sm text-text-muted hover:bg-surface-muted hover:text-text disabled:opacity-50">
            {loading ? 'Chargement…' : 'Plus ancien'}
          </button>
        )}
      </section>
    </div>
  );
}

/** How long conversations with no activity are kept: off by default. */
function RetentionSetting() {
  const [days, setDays] = useState('');
  const [saved, setSaved] = useState<number | null | undefined>(undefined);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    getRetention().then(
      (r) => {
        setSaved(r.retention_days);
        setDays(r.retention_days ? String(r.retention_days) : '');
      },
      (e: unknown) => setError(e instanceof ApiError ? e.message : 'Impossible de lire la durée de conservation.'),
    );
  }, []);

  const save = async (event: FormEvent, value: number | null) => {
    event.preventDefault();
    setError(null);
    setMessage(null);
    try {
      const r = await setRetention(value);
      setSaved(r.retention_days);
      setDays(r.retention_days ? String(r.retention_days) : '');
      setMessage(r.retention_days ? `Enregistré : les conversations sans activité depuis ${r.retention_days} jours seront supprimées chaque jour.` : 'Enregistré : rien n’est supprimé automatiquement.');
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'L’enregistrement a échoué.');
    }
  };

  return (
    <section aria-labelledby="retention-title">
      <h2 id="retention-title" className="text-xl font-semibold">
        Conservation des conversations
      </h2>
      <p className="mt-1 mb-4 text-sm text-text-muted">
        {saved ? `Les conversations sans activité depuis ${saved} jours sont supprimées chaque jour, définitivement.` : 'Désactivée : aucune conversation n’est supprimée automatiquement.'}
      </p>
      <form onSubmit={(e) => void save(e, days.trim() === '' ? null : Number(days))} className="flex flex-wrap items-end gap-3">
        <label className="text-sm">
          <span className="mb-1 block font-medium">Supprimer après (jours sans activité)</span>
          <input
            data-testid="retention-days"
            type="number"
            min={1}
            max={36500}
            inputMode="numeric"
            value={days}
            onChange={(e) => setDays(e.target.value)}
            placeholder="jamais"
            className="w-32 rounded-lg border border-border bg-surface px-3 py-2 text-sm focus:border-accent-cyan focus:outline-none"
          />
        </label>
        <button type="submit" data-testid="retention-save" className="rounded-lg bg-accent-cyan px-4 py-2 text-sm font-semibold text-slate-950 hover:brightness-95">
          Enregistrer
        </button>
        {saved ? (
          <button type="button" onClick={(e) => void save(e, null)} className="rounded-lg border border-border px-3 py-2 text-sm hover:bg-surface-muted">
            Désactiver
          </button>
        ) : null}
      </form>
      <div aria-live="polite">{message && <p className="mt-2 text-sm">{message}</p>}</div>
      {error && <p role="alert" className="mt-2 rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm">{error}</p>}
    </section>
  );
}
