import { useEffect, useRef } from 'react';

interface ConfirmDeleteProps {
  title: string;
  onConfirm: () => void;
  onCancel: () => void;
}

/**
 * Asks before a conversation and its messages are deleted for good. A modal dialog: the focus stays
 * inside it (Tab cycles), Escape cancels, and on closing the focus goes back where it came from.
 */
export function ConfirmDelete({ title, onConfirm, onCancel }: ConfirmDeleteProps) {
  const cancel = useRef<HTMLButtonElement>(null);
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    cancel.current?.focus();
    return () => {
      // The opener may be gone with the conversation: then the message box takes the focus.
      const target = opener?.isConnected ? opener : document.getElementById('chat-input');
      target?.focus();
    };
  }, []);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        onCancel();
        return;
      }
      if (event.key !== 'Tab' || !dialog.current) return;
      const focusable = [...dialog.current.querySelectorAll<HTMLElement>('button:not([disabled])')];
      if (focusable.length === 0) return;
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      const inside = dialog.current.contains(document.activeElement);
      if (event.shiftKey && (document.activeElement === first || !inside)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (document.activeElement === last || !inside)) {
        event.preventDefault();
        first.focus();
      }
    };
    window.addEventListener('keydown', onKeyDown, true);
    return () => window.removeEventListener('keydown', onKeyDown, true);
  }, [onCancel]);

  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/40 p-4" onClick={onCancel}>
      <div
        ref={dialog}
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
            className="rounded-lg bg-danger px-3 py-1.5 text-sm font-semibold text-on-danger hover:brightness-110 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-cyan"
          >
            Supprimer
          </button>
        </div>
      </div>
    </div>
  );
}
