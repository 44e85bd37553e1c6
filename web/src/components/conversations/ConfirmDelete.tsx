import { useEffect, useRef } from 'react';

interface ConfirmDeleteProps {
  title: string;
  onConfirm: () => void;
  onCancel: () => void;
}

/** Asks before a conversation and its messages are deleted for good. */
export function ConfirmDelete({ title, onConfirm, onCancel }: ConfirmDeleteProps) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancel.current?.focus();
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        onCancel();
      }
    };
    window.addEventListener('keydown', onKeyDown, true);
    return () => window.removeEventListener('keydown', onKeyDown, true);
  }, [onCancel]);

  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/40 p-4" onClick={onCancel}>
      <div
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-delete-title"
        aria-describedby="confirm-delete-text"
        data-testid="confirm-delete-dialog"
        onClick={(event) => event.stopPropagation()}
        className="w-full max-w-sm rounded-2xl border border-border bg-surface p-5 text-text shadow-xl"
      >
        <h2 id="confirm-delete-title" className="text-lg font-semibold">
          Supprimer la conversation ?
        </h2>
        <p id="confirm-delete-text" className="mt-2 text-sm break-words text-text-muted">
          « {title} » et tous ses messages seront supprimés définitivement.
        </p>
        <div className="mt-5 flex justify-end gap-2">
          <button
            ref={cancel}
            type="button"
            data-testid="cancel-delete"
            onClick={onCancel}
            className="rounded-lg border border-border px-3 py-1.5 text-sm font-medium hover:bg-surface-muted focus-visible:outline-2 focus-visible:outline-accent-cyan"
          >
            Annuler
          </button>
          <button
            type="button"
            data-testid="confirm-delete"
            onClick={onConfirm}
            className="rounded-lg bg-danger px-3 py-1.5 text-sm font-semibold text-white hover:brightness-110 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-cyan"
          >
            Supprimer
          </button>
        </div>
      </div>
    </div>
  );
}
