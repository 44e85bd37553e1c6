import { myDataPath, navigate } from '../../router/router';

/** Under « Réglages », for everyone: « Mes données » (export, import, deletion). */
export function MyDataLink({ current, onNavigate }: { current: string; onNavigate: () => void }) {
  return (
    <button
      type="button"
      data-testid="open-my-data"
      aria-current={current === 'myData' ? 'page' : undefined}
      onClick={() => {
        navigate(myDataPath);
        onNavigate();
      }}
      className="flex w-full items-center gap-2 rounded-lg px-3 py-2 text-sm text-text-muted hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan aria-[current=page]:bg-surface-muted aria-[current=page]:text-text"
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" className="size-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
        <ellipse cx="12" cy="5" rx="8" ry="3" />
        <path d="M4 5v6c0 1.7 3.6 3 8 3s8-1.3 8-3V5M4 11v6c0 1.7 3.6 3 8 3s8-1.3 8-3v-6" />
      </svg>
      Mes données
    </button>
  );
}
