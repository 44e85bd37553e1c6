import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/errors';
import { getTools, removeServer, saveServer, setToolApproval, testServer, type ToolInfo, type ToolServer, type ToolsOverview } from '../../api/tools';
import { Field, inputClass, primaryButton, secondaryButton } from './Field';
import { definitionFromForm, emptyServerForm, serverStateText, serverTarget, type ServerForm } from './toolsForm';

const errorText = (error: unknown) => (error instanceof ApiError ? error.message : 'Une erreur inattendue est survenue. Réessayez.');

/**
 * « Outils »: the MCP servers THÉRÈSE may use, their state and their tools. The owner (or the team's admin) adds,
 * tests and removes servers and chooses which tools ask first; servers from the configuration are read-only, and
 * so is the whole list for a member of a team.
 */
export function ToolsSection({ readOnly }: { readOnly: boolean }) {
  const [overview, setOverview] = useState<ToolsOverview | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      setOverview(await getTools(signal));
      setLoadError(null);
    } catch (error) {
      if (!signal?.aborted) setLoadError(errorText(error));
    }
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);

  const replace = (server: ToolServer) =>
    setOverview((o) => o && { ...o, servers: o.servers.some((s) => s.name === server.name) ? o.servers.map((s) => (s.name === server.name ? server : s)) : [...o.servers, server] });
  const drop = (name: string) => setOverview((o) => o && { ...o, servers: o.servers.filter((s) => s.name !== name) });

  return (
    <section data-testid="tools-settings" aria-labelledby="settings-tools-title" className="mt-10">
      <h2 id="settings-tools-title" className="text-xl font-semibold">
        Outils
      </h2>
      <p className="mt-1 mb-4 text-sm text-text-muted">
        Les serveurs MCP de votre organisation (agenda, documents, courriel…) que THÉRÈSE peut consulter en répondant. Une action qui modifie quelque chose vous est demandée avant d’être faite.
      </p>
      {overview && !overview.provider_supports_tools && (
        <p data-testid="tools-local-model" role="note" className="mb-4 rounded-lg border border-border bg-surface-muted px-3 py-2 text-sm">
          Le modèle local n’utilise pas d’outils.
        </p>
      )}
      {overview ? (
        <>
          {overview.servers.length === 0 ? (
            <p data-testid="tools-empty" className="text-sm text-text-muted">
              Aucun serveur d’outils pour l’instant.
            </p>
          ) : (
            <ul className="flex flex-col gap-4">
              {overview.servers.map((server) => (
                <ServerItem key={server.name} server={server} readOnly={readOnly} onChanged={replace} onRemoved={drop} />
              ))}
            </ul>
          )}
          {!readOnly && <AddServer onAdded={replace} />}
        </>
      ) : loadError ? (
        <p role="alert" data-testid="tools-error" className="text-sm">
          {loadError}
        </p>
      ) : (
        <p role="status" className="text-sm text-text-muted">
          Chargement des outils…
        </p>
      )}
    </section>
  );
}

function ServerItem({ server, readOnly, onChanged, onRemoved }: { server: ToolServer; readOnly: boolean; onChanged: (s: ToolServer) => void; onRemoved: (name: string) => void }) {
  const [busy, setBusy] = useState<'test' | 'remove' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const editable = !readOnly && !server.locked && server.source !== 'config';

  const run = async (what: 'test' | 'remove') => {
    setBusy(what);
    setError(null);
    try {
      if (what === 'test') onChanged(await testServer(server.name));
      else {
        await removeServer(server.name);
        onRemoved(server.name);
      }
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <li data-testid="tool-server" data-server={server.name} className="rounded-xl border border-border px-4 py-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="font-semibold">{server.name}</h3>
        <span data-testid="tool-server-state" data-state={server.state} className={`text-sm ${server.state === 'failed' ? 'text-danger' : 'text-text-muted'}`}>
          {serverStateText(server)}
        </span>
      </div>
      <p className="mt-0.5 break-all font-mono text-xs text-text-muted">
        {server.transport === 'http' ? 'HTTP' : 'Programme local'} · {serverTarget(server)}
      </p>
      {(server.source === 'config' || server.locked) && (
        <p data-testid="tool-server-locked" className="mt-1 text-xs text-text-muted">
          Défini par la configuration : modifiable seulement par l’administrateur, dans la configuration de THÉRÈSE.
        </p>
      )}
      {server.tools.length > 0 && (
        <ul className="mt-3 flex flex-col gap-2">
          {server.tools.map((tool) => (
            <ToolItem key={tool.name} server={server} tool={tool} readOnly={readOnly} onChanged={onChanged} />
          ))}
        </ul>
      )}
      {!readOnly && (
        <div className="mt-3 flex flex-wrap gap-2">
          <button type="button" data-testid="tool-server-test" disabled={busy !== null} onClick={() => void run('test')} className={secondaryButton}>
            {busy === 'test' ? 'Test en cours…' : 'Tester'}
          </button>
          {editable && (
            <button type="button" data-testid="tool-server-remove" disabled={busy !== null} onClick={() => void run('remove')} className={secondaryButton}>
              Retirer
            </button>
          )}
        </div>
      )}
      {error && (
        <p role="alert" data-testid="tool-server-error" className="mt-2 text-sm text-danger">
          {error}
        </p>
      )}
    </li>
  );
}

const approvalChoice = (value: boolean | null) => (value === null ? 'auto' : value ? 'ask' : 'never');

function ToolItem({ server, tool, readOnly, onChanged }: { server: ToolServer; tool: ToolInfo; readOnly: boolean; onChanged: (s: ToolServer) => void }) {
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const choose = async (choice: string) => {
    setSaving(true);
    setError(null);
    try {
      onChanged(await setToolApproval(server.name, tool.name, choice === 'auto' ? null : choice === 'ask'));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <li data-testid="tool-item" data-tool={tool.name} className="text-sm">
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-mono">{tool.name}</span>
        <span data-testid="tool-approval-badge" className="rounded-full border border-border px-2 py-0.5 text-xs text-text-muted">
          {tool.needs_approval ? 'Demande une autorisation' : tool.read_only ? 'Lecture seule' : 'Sans autorisation'}
        </span>
      </div>
      {tool.description && <p className="mt-0.5 whitespace-pre-wrap break-words text-text-muted">{tool.description}</p>}
      {!readOnly && (
        <div className="mt-1 flex items-center gap-2">
          <label htmlFor={id} className="text-xs text-text-muted">
            Avant de l’utiliser
          </label>
          <select
            id={id}
            data-testid="tool-approval-override"
            value={approvalChoice(tool.approval_override)}
            disabled={saving}
            onChange={(e) => void choose(e.target.value)}
            className="rounded-md border border-border bg-surface px-2 py-1 text-xs"
          >
            <option value="auto">{tool.read_only ? 'Selon l’outil (lecture seule : ne pas demander)' : 'Selon l’outil (demander)'}</option>
            <option value="ask">Toujours demander</option>
            <option value="never">Ne pas demander</option>
          </select>
        </div>
      )}
      {error && (
        <p role="alert" className="mt-1 text-danger">
          {error}
        </p>
      )}
    </li>
  );
}

function AddServer({ onAdded }: { onAdded: (s: ToolServer) => void }) {
  const [form, setForm] = useState<ServerForm>(emptyServerForm);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const ids = useId();
  const id = (name: string) => `${ids}-${name}`;
  const update = (patch: Partial<ServerForm>) => setForm((f) => ({ ...f, ...patch }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const built = definitionFromForm(form);
    if ('error' in built) {
      setError(built.error);
      return;
    }
    setSaving(true);
    setError(null);
    try {
      onAdded(await saveServer(built.name, built.definition));
      setForm(emptyServerForm);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form data-testid="tool-server-add" onSubmit={(e) => void submit(e)} className="mt-6 flex flex-col gap-4 rounded-xl border border-dashed border-border px-4 py-4">
      <h3 className="font-semibold">Ajouter un serveur</h3>
      <Field id={id('name')} label="Nom">
        <input id={id('name')} data-testid="tool-server-name" className={inputClass} value={form.name} onChange={(e) => update({ name: e.target.value })} placeholder="agenda" />
      </Field>
      <fieldset className="flex flex-wrap gap-4 text-sm">
        <legend className="mb-1.5 text-sm font-medium">Type</legend>
        <label className="flex items-center gap-1.5">
          <input type="radio" name={id('transport')} data-testid="tool-server-stdio" checked={form.transport === 'stdio'} onChange={() => update({ transport: 'stdio' })} />
          Programme local (stdio)
        </label>
        <label className="flex items-center gap-1.5">
          <input type="radio" name={id('transport')} data-testid="tool-server-http" checked={form.transport === 'http'} onChange={() => update({ transport: 'http' })} />
          Adresse HTTP
        </label>
      </fieldset>
      {form.transport === 'stdio' ? (
        <>
          <p className="text-xs text-text-muted">Un programme local s’exécute avec les droits de THÉRÈSE : n’ajoutez que des programmes de confiance.</p>
          <Field id={id('command')} label="Commande">
            <input id={id('command')} data-testid="tool-server-command" className={inputClass} value={form.command} onChange={(e) => update({ command: e.target.value })} placeholder="npx" />
          </Field>
          <Field id={id('args')} label="Arguments" hint="Un argument par ligne.">
            <textarea id={id('args')} data-testid="tool-server-args" rows={2} className={inputClass} value={form.args} onChange={(e) => update({ args: e.target.value })} />
          </Field>
          <Field id={id('env')} label="Variables" hint="Une variable par ligne, NOM=valeur. Les valeurs sont chiffrées et ne sont plus affichées.">
            <textarea id={id('env')} data-testid="tool-server-env" rows={2} className={inputClass} value={form.env} onChange={(e) => update({ env: e.target.value })} />
          </Field>
        </>
      ) : (
        <>
          <Field id={id('url')} label="Adresse">
            <input id={id('url')} data-testid="tool-server-url" className={inputClass} value={form.url} onChange={(e) => update({ url: e.target.value })} placeholder="https://outils.mairie.example/mcp" />
          </Field>
          <Field id={id('headers')} label="En-têtes" hint="Un en-tête par ligne, Nom: valeur. Les valeurs sont chiffrées et ne sont plus affichées.">
            <textarea id={id('headers')} data-testid="tool-server-headers" rows={2} className={inputClass} value={form.headers} onChange={(e) => update({ headers: e.target.value })} />
          </Field>
        </>
      )}
      {error && (
        <p role="alert" data-testid="tool-server-add-error" className="text-sm text-danger">
          {error}
        </p>
      )}
      <div>
        <button type="submit" data-testid="tool-server-submit" disabled={saving} className={primaryButton}>
          {saving ? 'Ajout…' : 'Ajouter'}
        </button>
      </div>
    </form>
  );
}
