import { useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/errors';
import { deleteMyData, importFile, myDataExportUrl, type ImportResult } from '../../api/myData';
import { navigate } from '../../router/router';
import { useAccountStore } from '../../stores/accountStore';
import { chatStore } from '../../stores/chatStore';
import { conversationsStore } from '../../stores/conversationsStore';
import { settingsStore } from '../../stores/settingsStore';
import { drafts } from '../chat/drafts';

const CONFIRM = 'SUPPRIMER';
const primary =
  'inline-flex items-center justify-center rounded-lg bg-accent-cyan px-4 py-2 text-sm font-semibold text-slate-950 hover:brightness-95 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-violet disabled:opacity-50';
const plural = (n: number, one: string, many: string) => `${n.toLocaleString('fr-FR')} ${n > 1 ? many : one}`;

/** What an import did, in one French sentence. */
export function importSummary(result: ImportResult): string {
  const parts = [plural(result.imported, 'conversation importée', 'conversations importées')];
  if (result.skipped > 0) parts.push(`${plural(result.skipped, 'déjà présente ou vide', 'déjà présentes ou vides')}, ignorée${result.skipped > 1 ? 's' : ''}`);
  if (result.parts_left_out > 0)
    parts.push(`${plural(result.parts_left_out, 'élément', 'éléments')} d’une version plus récente de THÉRÈSE laissé${result.parts_left_out > 1 ? 's' : ''} de côté`);
  return parts.join(' ; ') + '.';
}

/** « Mes données »: take everything away, bring conversations in (THÉRÈSE or ChatGPT), delete everything. */
export function MyDataSection() {
  const team = useAccountStore((s) => s.me?.mode === 'team');
  return (
    <div className="flex flex-col gap-10">
      <section aria-labelledby="export-title">
        <h2 id="export-title" className="text-xl font-semibold">
          Exporter
        </h2>
        <p className="mt-1 mb-4 text-sm text-text-muted">
          Une archive .zip avec toutes vos conversations, chacune en Markdown (lisible partout) et en JSON (complète :
          chaque version des réponses, la réflexion du modèle, les dates), et {team ? 'votre compte' : 'vos réglages, sans la clé d’API'}.
        </p>
        <a href={myDataExportUrl} download data-testid="export-my-data" className={primary}>
          Télécharger toutes mes données (.zip)
        </a>
      </section>
      <ImportForm />
      <DeleteEverything />
    </div>
  );
}

function ImportForm() {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const file = input.current?.files?.[0];
    if (!file) {
      setError('Choisissez d’abord un fichier.');
      return;
    }
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const imported = await importFile(file);
      setResult(importSummary(imported));
      void conversationsStore.getState().refresh();
      if (input.current) input.current.value = '';
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'L’import a échoué : rien n’a été ajouté.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="import-title">
      <h2 id="import-title" className="text-xl font-semibold">
        Importer
      </h2>
      <p className="mt-1 mb-4 text-sm text-text-muted">
        Un export de THÉRÈSE (une conversation en .json, ou l’archive .zip de « Mes données »), ou l’export de ChatGPT
        (son fichier conversations.json, ou l’archive .zip entière). Les dates et les titres sont gardés ; une
        conversation déjà présente n’est pas ajoutée deux fois. Un fichier abîmé n’ajoute rien.
      </p>
      <form onSubmit={(e) => void submit(e)} className="flex flex-wrap items-center gap-3">
        <label htmlFor="import-file" className="sr-only">
          Fichier à importer
        </label>
        <input
          ref={input}
          id="import-file"
          data-testid="import-file"
          type="file"
          accept=".json,.zip,application/json,application/zip"
          className="max-w-full text-sm file:mr-3 file:rounded-lg file:border file:border-border file:bg-surface-muted file:px-3 file:py-1.5 file:text-sm file:text-text"
        />
        <button type="submit" data-testid="import-submit" disabled={busy} className={primary}>
          {busy ? 'Import en cours…' : 'Importer'}
        </button>
      </form>
      <div aria-live="polite">
        {result && (
          <p data-testid="import-result" className="mt-3 text-sm">
            {result}
          </p>
        )}
      </div>
      {error && (
        <p data-testid="import-error" role="alert" className="mt-3 rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm">
          {error}
        </p>
      )}
    </section>
  );
}

/** The unsent text kept in this browser: this person's (team mode), or all of it (personal mode). */
function forgetDrafts(userId: string | null) {
  if (userId) {
    drafts.forget(userId);
    return;
  }
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith('therese.draft.')) localStorage.removeItem(key);
  } catch {
    // Storage disabled: nothing was kept.
  }
}

function DeleteEverything() {
  const team = useAccountStore((s) => s.me?.mode === 'team');
  const userId = useAccountStore((s) => s.me?.id ?? null);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (typed !== CONFIRM) return;
    setBusy(true);
    setError(null);
    try {
      const { conversations } = await deleteMyData(typed);
      // What was typed and never sent goes too.
      forgetDrafts(userId);
      chatStore.getState().newConversation();
      void conversationsStore.getState().refresh();
      void settingsStore.getState().load();
      setTyped('');
      setDone(`${plural(conversations, 'conversation supprimée', 'conversations supprimées')}, définitivement.`);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'La suppression a échoué : rien n’a été supprimé.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="delete-title" className="rounded-xl border border-danger/40 p-4">
      <h2 id="delete-title" className="text-xl font-semibold">
        Supprimer toutes mes données
      </h2>
      <p className="mt-1 mb-4 text-sm text-text-muted">
        Toutes vos conversations, avec chaque version des réponses, {team ? 'et le détail de votre consommation de jetons' : 'et vos réglages enregistrés (modèle, clé d’API)'} sont
        supprimées définitivement, jusque dans les fichiers de la base de données. {team ? 'Votre compte reste ouvert.' : ''} Pensez à exporter
        d’abord ce que vous voulez garder.
      </p>
      <form onSubmit={(e) => void submit(e)} className="flex flex-wrap items-end gap-3">
        <label className="text-sm">
          <span className="mb-1 block font-medium">Pour confirmer, tapez {CONFIRM}</span>
          <input
            data-testid="delete-confirm-input"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            className="rounded-lg border border-border bg-surface px-3 py-2 text-sm focus:border-accent-cyan focus:outline-none"
          />
        </label>
        <button
          type="submit"
          data-testid="delete-my-data"
          disabled={typed !== CONFIRM || busy}
          className="rounded-lg bg-danger px-4 py-2 text-sm font-semibold text-on-danger hover:brightness-110 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-cyan disabled:opacity-50"
        >
          {busy ? 'Suppression…' : 'Tout supprimer'}
        </button>
      </form>
      <div aria-live="polite">
        {done && (
          <p data-testid="delete-result" className="mt-3 text-sm">
            {done}{' '}
            <button type="button" className="underline underline-offset-2" onClick={() => navigate('/')}>
              Nouvelle conversation
            </button>
          </p>
        )}
      </div>
      {error && (
        <p role="alert" className="mt-3 rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm">
          {error}
        </p>
      )}
    </section>
  );
}
