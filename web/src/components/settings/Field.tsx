import type { ReactNode } from 'react';

interface FieldProps {
  id: string;
  label: string;
  /** Set by the administrator: the control is read-only and this says where the value comes from. */
  lockedBy?: string;
  hint?: ReactNode;
  children: ReactNode;
}

/** A labelled form control, with its hint and, when pinned by configuration, where the value comes from. */
export function Field({ id, label, lockedBy, hint, children }: FieldProps) {
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      {children}
      {lockedBy && (
        <p data-testid={`${id}-locked`} className="flex items-center gap-1.5 text-xs text-text-muted">
          <svg aria-hidden="true" viewBox="0 0 24 24" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="2">
            <rect x="5" y="11" width="14" height="9" rx="2" />
            <path d="M8 11V8a4 4 0 1 1 8 0v3" />
          </svg>
          Fixé par {lockedBy} : modifiable seulement par l’administrateur.
        </p>
      )}
      {hint && !lockedBy && <div className="text-xs text-text-muted">{hint}</div>}
    </div>
  );
}

export const inputClass =
  'w-full rounded-lg border border-border bg-surface px-3 py-2 text-sm text-text placeholder:text-text-muted focus:border-accent-cyan focus:outline-none focus:ring-2 focus:ring-accent-cyan/30 disabled:cursor-not-allowed disabled:bg-surface-muted disabled:text-text-muted';

export const primaryButton =
  'rounded-lg bg-accent-cyan px-4 py-2 text-sm font-semibold text-slate-950 hover:brightness-95 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-violet disabled:cursor-not-allowed disabled:opacity-50';

export const secondaryButton =
  'rounded-lg border border-border px-4 py-2 text-sm font-medium hover:bg-surface-muted focus-visible:outline-2 focus-visible:outline-accent-cyan disabled:cursor-not-allowed disabled:opacity-50';
