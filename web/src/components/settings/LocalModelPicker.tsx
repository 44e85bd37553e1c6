import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../../api/errors';
import {
  cancelDownload,
  deleteLocalModel,
  getLocalModels,
  isActive,
  startDownload,
  type CatalogEntry,
  type Download,
  type LocalModels,
} from '../../api/localModels';
import { inputClass, primaryButton, secondaryButton } from './Field';
import { formatSize, formatTimeLeft } from './format';

/** While a download runs, its progress is read this often. */
export const PROGRESS_POLL_MS = 500;

interface LocalModelPickerProps {
  /** The installed model the settings use now, if any. */
  selected: string;
  /** « Utiliser ce modèle »: saves the local provider with this file. */
  onUse: (file: string) => Promise<void>;
  disabled?: boolean;
}

const errorText = (error: unknown) =>
  error instanceof ApiError ? error.message : 'Une erreur inattendue est survenue. Réessayez.';

/**
 * Models that run inside THÉRÈSE: the installed ones, a short recommended catalogue with one-click
 * download (progress, speed, time left, cancel, retry), and any other GGUF file from Hugging Face.
 */
export function LocalModelPicker({ selected, onUse, disabled = false }: LocalModelPickerProps) {
  const [models, setModels] = useState<LocalModels | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [using, setUsing] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const [customRepo, setCustomRepo] = useState('');
  const [customFile, setCustomFile] = useState('');
  const ids = useId();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const refresh = useCallback(async () => {
    try {
      const next = await getLocalModels();
      setModels(next);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // Progress is polled only while something downloads; it survives a reload (the server keeps it).
  const active = models?.downloads.some(isActive) ?? false;
  useEffect(() => {
    if (!active) return;
    timer.current = setTimeout(() => void refresh(), PROGRESS_POLL_MS);
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, [active, models, refresh]);

  const download = async (repo: string, file: string) => {
    setError(null);
    try {
      await startDownload(repo, file);
      await refresh();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const use = async (file: string) => {
    setUsing(file);
    try {
      await onUse(file);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setUsing(null);
    }
  };

  const downloadOf = (repo: string, file: string) =>
    models?.downloads.filter((d) => d.repo === repo && d.file === file && d.state !== 'cancelled' && d.state !== 'done').at(-1);

  const catalogFiles = new Set(models?.catalog.map((c) => c.file));
  const otherDownloads = models?.downloads.filter((d) => !catalogFiles.has(d.file) && d.state !== 'cancelled' && d.state !== 'done') ?? [];

  if (!models)
    return (
      <div data-testid="local-models" className="text-sm text-text-muted" role="status">
        {error ?? 'Chargement des modèles locaux…'}
      </div>
    );

  return (
    <div data-testid="local-models" className="flex flex-col gap-6">
      {models.installed.length > 0 && (
        <section aria-labelledby={`${ids}-installed`}>
          <h3 id={`${ids}-installed`} className="mb-2 text-sm font-medium">
            Modèles installés sur cet ordinateur
          </h3>
          <ul className="flex flex-col gap-2">
            {models.installed.map((m) => (
              <li key={m.file} data-testid="installed-model" data-file={m.file} className="flex flex-wrap items-center gap-2 rounded-lg border border-border px-3 py-2 text-sm">
                <span className="min-w-0 flex-1 break-all font-mono text-xs">{m.file}</span>
                <span className="text-text-muted">{formatSize(m.size)}</span>
                {m.file === selected ? (
                  <span data-testid="model-in-use" className="rounded-md bg-accent-cyan/15 px-2 py-1 text-xs font-medium">
                    Utilisé par THÉRÈSE
                  </span>
                ) : (
                  <button type="button" data-testid="use-model" className={primaryButton} disabled={disabled || using !== null} onClick={() => void use(m.file)}>
                    {using === m.file ? 'Activation…' : 'Utiliser ce modèle'}
                  </button>
                )}
                {m.file !== selected &&
                  (confirmDelete === m.file ? (
                    <button
                      type="button"
                      data-testid="confirm-delete-model"
                      className={`${secondaryButton} text-danger`}
                      onClick={() => void deleteLocalModel(m.file).then(refresh, (e: unknown) => setError(errorText(e))).finally(() => setConfirmDelete(null))}
                    >
                      Confirmer la suppression
                    </button>
                  ) : (
                    <button type="button" data-testid="delete-model" className={secondaryButton} disabled={disabled} onClick={() => setConfirmDelete(m.file)}>
                      Supprimer
                    </button>
                  ))}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby={`${ids}-catalog`}>
        <h3 id={`${ids}-catalog`} className="mb-1 text-sm font-medium">
          Modèles recommandés
        </h3>
        <p className="mb-3 text-xs text-text-muted">
          Ils fonctionnent sur le processeur de cet ordinateur, sans connexion une fois téléchargés : vos conversations ne le quittent pas.
        </p>
        <ul className="flex flex-col gap-3">
          {models.catalog.map((entry) => (
            <CatalogCard
              key={entry.id}
              entry={entry}
              download={downloadOf(entry.repo, entry.file)}
              installed={models.installed.some((m) => m.file === entry.file)}
              inUse={entry.file === selected}
              disabled={disabled}
              using={using === entry.file}
              onDownload={() => void download(entry.repo, entry.file)}
              onCancel={(id) => void cancelDownload(id).then(refresh, (e: unknown) => setError(errorText(e)))}
              onUse={() => void use(entry.file)}
            />
          ))}
        </ul>
      </section>

      <section aria-labelledby={`${ids}-other`}>
        <h3 id={`${ids}-other`} className="mb-1 text-sm font-medium">
          Un autre modèle de Hugging Face
        </h3>
        <p className="mb-3 text-xs text-text-muted">Le dépôt et le nom d’un fichier GGUF, par exemple bartowski/Qwen2.5-3B-Instruct-GGUF.</p>
        {/* Not a <form>: this sits inside the settings form. */}
        <div className="flex flex-col gap-2 sm:flex-row">
          <input
            aria-label="Dépôt Hugging Face"
            data-testid="custom-repo"
            placeholder="propriétaire/dépôt"
            className={inputClass}
            value={customRepo}
            spellCheck={false}
            disabled={disabled}
            onChange={(e) => setCustomRepo(e.target.value)}
          />
          <input
            aria-label="Fichier GGUF"
            data-testid="custom-file"
            placeholder="modele-Q4_K_M.gguf"
            className={inputClass}
            value={customFile}
            spellCheck={false}
            disabled={disabled}
            onChange={(e) => setCustomFile(e.target.value)}
          />
          <button
            type="button"
            data-testid="custom-download"
            className={secondaryButton}
            disabled={disabled || !customRepo.trim() || !customFile.trim()}
            onClick={() => void download(customRepo.trim(), customFile.trim())}
          >
            Télécharger
          </button>
        </div>
        {otherDownloads.map((d) => (
          <div key={d.id} className="mt-3">
            <p className="mb-1 break-all font-mono text-xs">{d.file}</p>
            <DownloadStatus download={d} onCancel={() => void cancelDownload(d.id).then(refresh)} onRetry={() => void download(d.repo, d.file)} />
          </div>
        ))}
      </section>

      {error && (
        <p data-testid="local-models-error" role="alert" className="rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm">
          {error}
        </p>
      )}
    </div>
  );
}

interface CatalogCardProps {
  entry: CatalogEntry;
  download: Download | undefined;
  installed: boolean;
  inUse: boolean;
  using: boolean;
  disabled: boolean;
  onDownload: () => void;
  onCancel: (id: string) => void;
  onUse: () => void;
}

function CatalogCard({ entry, download, installed, inUse, using, disabled, onDownload, onCancel, onUse }: CatalogCardProps) {
  return (
    <li data-testid="catalog-model" data-model-id={entry.id} className="rounded-xl border border-border p-4">
      <div className="flex flex-wrap items-baseline gap-2">
        <span className="font-semibold">{entry.name}</span>
        {entry.recommended && <span className="rounded-md bg-accent-violet/15 px-2 py-0.5 text-xs font-medium">Recommandé</span>}
      </div>
      <p className="mt-1 text-sm text-text-muted">{entry.description}</p>
      <p className="mt-1 text-xs text-text-muted">
        Environ {formatSize(entry.size, true)} à télécharger · environ {formatSize(entry.ram, true)} de mémoire · licence {entry.licence}
      </p>
      <div className="mt-3">
        {inUse ? (
          <span data-testid="model-in-use" className="rounded-md bg-accent-cyan/15 px-2 py-1 text-xs font-medium">
            Utilisé par THÉRÈSE
          </span>
        ) : installed ? (
          <button type="button" data-testid="use-model" className={primaryButton} disabled={disabled || using} onClick={onUse}>
            {using ? 'Activation…' : 'Utiliser ce modèle'}
          </button>
        ) : download ? (
          <DownloadStatus download={download} onCancel={() => onCancel(download.id)} onRetry={onDownload} />
        ) : (
          <button type="button" data-testid="download-model" className={primaryButton} disabled={disabled} onClick={onDownload}>
            Télécharger
          </button>
        )}
      </div>
    </li>
  );
}

function DownloadStatus({ download, onCancel, onRetry }: { download: Download; onCancel: () => void; onRetry: () => void }) {
  if (download.state === 'failed')
    return (
      <div data-testid="download-failed" role="alert" className="rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm">
        <p>Le téléchargement a échoué : {download.error?.message ?? 'raison inconnue.'}</p>
        <button type="button" data-testid="retry-download" className={`${secondaryButton} mt-2`} onClick={onRetry}>
          Réessayer
        </button>
      </div>
    );

  const percent = download.total ? Math.min(100, Math.floor((download.bytes / download.total) * 100)) : 0;
  const speed = download.bytes_per_second;
  const left = download.total && speed ? (download.total - download.bytes) / speed : NaN;
  const detail =
    download.state === 'queued'
      ? 'En attente de la fin d’un autre téléchargement…'
      : download.state === 'verifying'
        ? 'Vérification de l’empreinte du fichier…'
        : [
            download.total ? `${formatSize(download.bytes)} sur ${formatSize(download.total)}` : formatSize(download.bytes),
            speed ? `${formatSize(speed)}/s` : null,
            Number.isFinite(left) ? `${formatTimeLeft(left)} restante${left >= 120 ? 's' : ''}` : null,
          ]
            .filter(Boolean)
            .join(' · ');
  return (
    <div data-testid="download-progress" data-state={download.state} className="flex flex-col gap-2">
      <div
        role="progressbar"
        aria-label={`Téléchargement de ${download.file}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        className="h-2 w-full overflow-hidden rounded-full bg-surface-muted"
      >
        <div className="h-full rounded-full bg-accent-cyan transition-[width] duration-300" style={{ width: `${percent}%` }} />
      </div>
      <div className="flex flex-wrap items-center gap-2 text-xs text-text-muted">
        <span data-testid="download-detail" className="flex-1">
          {percent} % · {detail}
        </span>
        {download.state !== 'verifying' && (
          <button type="button" data-testid="cancel-download" className={secondaryButton} onClick={onCancel}>
            Annuler
          </button>
        )}
      </div>
    </div>
  );
}
