import { attachmentUrl, formatPages, formatSize, previewUrl } from '../../api/attachments';
import type { AttachmentPart } from '../../stores/messageParts';
import type { PendingFile } from './pendingFiles';

const chip = 'flex max-w-full min-w-0 items-center gap-2 rounded-xl border border-border bg-surface px-2 py-1.5 text-left text-sm';

/** What a chip says under the name: size, pages, and what the model could not get. */
function details(size: number, pages?: number) {
  return [formatSize(size), pages !== undefined ? formatPages(pages) : null].filter(Boolean).join(' · ');
}

function Icon({ kind }: { kind: 'document' | 'image' }) {
  return (
    <span aria-hidden="true" className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-surface-muted text-text-muted">
      <svg viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round">
        {kind === 'image' ? <path d="M4 5h16v14H4zM4 16l5-5 4 4 3-3 4 4" /> : <path d="M6 3h8l4 4v14H6zM14 3v4h4M9 12h6M9 16h6" />}
      </svg>
    </span>
  );
}

function Thumbnail({ id, kind }: { id: string; kind: 'document' | 'image' }) {
  if (kind !== 'image') return <Icon kind={kind} />;
  return <img src={previewUrl(id)} alt="" className="size-9 shrink-0 rounded-lg object-cover" loading="lazy" />;
}

/** A file in the composer: its state while it goes up and is read, its error, and « Retirer ». */
export function PendingChip({ file, onRemove }: { file: PendingFile; onRemove: (key: string) => void }) {
  const kind = file.view?.kind ?? 'document';
  const status =
    file.state === 'sending' ? `Envoi… ${Math.round(file.progress * 100)}\u00a0%` : file.state === 'reading' ? 'Lecture…' : null;
  return (
    <li data-testid="pending-file" data-state={file.state} className={`${chip} ${file.state === 'error' ? 'border-danger/50' : ''}`}>
      {file.view ? <Thumbnail id={file.view.id} kind={kind} /> : <Icon kind="document" />}
      <span className="min-w-0 flex-1">
        <span className="block truncate font-medium" title={file.name}>
          {file.name}
        </span>
        <span className="block text-xs text-text-muted">
          {status ?? details(file.view?.size ?? file.size, file.view?.pages)}
          {file.view?.warning && <span data-testid="file-warning" className="font-medium text-text"> · {file.view.warning}</span>}
        </span>
        {file.state === 'sending' && (
          <span role="progressbar" aria-label={`Envoi de ${file.name}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(file.progress * 100)}
            className="mt-1 block h-1 overflow-hidden rounded bg-surface-muted">
            <span className="block h-full bg-accent-cyan" style={{ width: `${Math.round(file.progress * 100)}%` }} />
          </span>
        )}
        {file.error && (
          <span data-testid="file-error" className="block text-xs text-danger">
            {file.error}
          </span>
        )}
      </span>
      <button
        type="button"
        data-testid="remove-file"
        aria-label={`Retirer ${file.name}`}
        title="Retirer"
        onClick={() => onRemove(file.key)}
        className="flex size-7 shrink-0 items-center justify-center rounded-md text-text-muted hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan"
      >
        <span aria-hidden="true">×</span>
      </button>
    </li>
  );
}

/** A file of a sent message: a click opens an image, or downloads a document. */
export function SentChip({ part }: { part: AttachmentPart }) {
  return (
    <li className="min-w-0">
      <a
        data-testid="message-file"
        href={attachmentUrl(part.id)}
        target="_blank"
        rel="noopener noreferrer"
        {...(part.kind === 'document' ? { download: part.name } : {})}
        className={`${chip} hover:bg-surface-muted focus-visible:outline-2 focus-visible:outline-accent-cyan`}
      >
        <Thumbnail id={part.id} kind={part.kind} />
        <span className="min-w-0">
          <span className="block truncate font-medium text-text">{part.name}</span>
          <span className="block text-xs text-text-muted">
            {details(part.size, part.pages)}
            {part.warning && <span data-testid="file-warning"> · {part.warning}</span>}
          </span>
          <span className="sr-only">{part.kind === 'image' ? ' (ouvrir)' : ' (télécharger)'}</span>
        </span>
      </a>
    </li>
  );
}

/** The files of a sent message, as a list. */
export function SentFiles({ parts }: { parts: readonly AttachmentPart[] }) {
  if (parts.length === 0) return null;
  return (
    <ul aria-label="Pièces jointes" data-testid="message-files" className="mb-1.5 flex flex-wrap justify-end gap-2">
      {parts.map((part) => (
        <SentChip key={part.id} part={part} />
      ))}
    </ul>
  );
}
