import type { ReactNode } from 'react';
import { ThemeToggle } from '../theme/ThemeToggle';

interface PageFrameProps {
  testId?: string;
  /** The main region's id: the skip link's target. */
  contentId?: string;
  title: string;
  onOpenMenu?: () => void;
  menuOpen?: boolean;
  onBack: () => void;
  children: ReactNode;
}

/** A page beside the chat (Réglages, Personnes, Utilisation, Mon compte): its title, a way back, the theme. */
export function PageFrame({ testId, contentId = 'page-content', title, onOpenMenu, menuOpen = false, onBack, children }: PageFrameProps) {
  return (
    <div className="flex h-dvh flex-col bg-surface text-text">
      <header className="border-b border-border">
        <div className="mx-auto flex w-full max-w-3xl items-center gap-2 px-4 py-2.5">
          {onOpenMenu && (
            <button
              type="button"
              id="menu-button"
              data-testid="menu-button"
              aria-label="Afficher les conversations"
              aria-expanded={menuOpen}
              aria-controls="conversation-sidebar"
              onClick={onOpenMenu}
              className="flex size-9 items-center justify-center rounded-lg text-text-muted hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan md:hidden"
            >
              <svg aria-hidden="true" viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
                <path d="M4 6h16M4 12h16M4 18h16" />
              </svg>
            </button>
          )}
          <h1 className="mr-auto text-lg font-semibold">{title}</h1>
          <button
            type="button"
            data-testid="back-to-chat"
            onClick={onBack}
            className="rounded-lg px-3 py-1.5 text-sm text-text-muted hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan"
          >
            <span className="sm:hidden">Retour</span>
            <span className="hidden sm:inline">Retour à la conversation</span>
          </button>
          <ThemeToggle />
        </div>
      </header>
      <main id={contentId} tabIndex={-1} data-testid={testId} className="min-h-0 flex-1 overflow-y-auto focus:outline-none">
        <div className="mx-auto w-full max-w-3xl px-4 py-6">{children}</div>
      </main>
    </div>
  );
}
