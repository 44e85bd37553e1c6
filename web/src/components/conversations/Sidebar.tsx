import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ConversationSummary } from '../../api/conversations';
import { conversationsStore, useConversationsStore } from '../../stores/conversationsStore';
import { ConfirmDelete } from './ConfirmDelete';
import { ConversationItem } from './ConversationItem';
import { SearchResults } from './SearchResults';

interface SidebarProps {
  activeId: string | null;
  /** Narrow screens: the list is an overlay, shown only when open. */
  open: boolean;
  onClose: () => void;
  onSelect: (id: string) => void;
  onNew: () => void;
  /** A conversation was deleted (the open one may need to go). */
  onDeleted: (id: string) => void;
  onOpenSettings: () => void;
  settingsActive?: boolean;
  /** A search result: the conversation, and the message to bring into view. */
  onOpenResult: (conversationId: string, messageId: string | null) => void;
  /** Under « Réglages »: in team mode, who is signed in and their pages. */
  footer?: ReactNode;
}

export function Sidebar({ activeId, open, onClose, onSelect, onNew, onDeleted, onOpenSettings, onOpenResult, settingsActive = false, footer }: SidebarProps) {
  const items = useConversationsStore((s) => s.items);
  const nextCursor = useConversationsStore((s) => s.nextCursor);
  const loading = useConversationsStore((s) => s.loading);
  const error = useConversationsStore((s) => s.error);
  const query = useConversationsStore((s) => s.query);
  const results = useConversationsStore((s) => s.results);
  const { load, loadMore, search, rename, remove } = conversationsStore.getState();
  const [toDelete, setToDelete] = useState<ConversationSummary | null>(null);
  const sentinel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    void load();
  }, [load]);

  // Scrolling to the end of the list loads the next page (the « Plus » button does the same).
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !nextCursor || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void loadMore();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [nextCursor, loadMore]);

  useEffect(() => {
    if (!open) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      onClose();
      // Back to the button that opened the list, not to the page's body.
      document.getElementById('menu-button')?.focus();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [open, onClose]);

  const onRename = useCallback((id: string, title: string) => void rename(id, title), [rename]);
  const onDelete = useCallback((conversation: ConversationSummary) => setToDelete(conversation), []);
  const cancelDelete = useCallback(() => setToDelete(null), []);
  const confirmDelete = async () => {
    const conversation = toDelete;
    setToDelete(null);
    if (conversation && (await remove(conversation.id))) onDeleted(conversation.id);
  };

  return (
    <>
      {open && <div className="fixed inset-0 z-30 bg-black/40 md:hidden" onClick={onClose} aria-hidden="true" />}
      <nav
        id="conversation-sidebar"
        aria-label="Conversations"
        data-testid="sidebar"
        data-open={open || undefined}
        className={`${
          open ? 'fixed inset-y-0 left-0 z-40 flex w-[min(20rem,85vw)] shadow-xl' : 'hidden'
        } h-dvh shrink-0 flex-col border-r border-border bg-surface md:static md:z-auto md:flex md:w-72 md:shadow-none`}
      >
        <div className="flex items-center gap-2 p-3">
          <button
            type="button"
            data-testid="new-conversation"
            onClick={onNew}
            title="Nouvelle conversation (Ctrl+N)"
            className="flex flex-1 items-center justify-center gap-2 rounded-lg bg-accent-cyan px-3 py-2 text-sm font-semibold text-slate-950 hover:brightness-95 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-violet"
          >
            <svg aria-hidden="true" viewBox="0 0 24 24" className="size-4" fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round">
              <path d="M12 5v14M5 12h14" />
            </svg>
            Nouvelle conversation
          </button>
          <button
            type="button"
            aria-label="Fermer la liste"
            onClick={onClose}
            className="flex size-9 items-center justify-center rounded-lg text-text-muted hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan md:hidden"
          >
            <svg aria-hidden="true" viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
              <path d="M6 6l12 12M18 6L6 18" />
            </svg>
          </button>
        </div>
        <div className="px-3 pb-2">
          <input
            type="search"
            data-testid="conversation-search"
            aria-label="Rechercher dans les conversations"
            placeholder="Rechercher dans les conversations"
            value={query}
            onChange={(event) => search(event.target.value)}
            className="w-full rounded-lg border border-border bg-surface-muted px-3 py-1.5 text-sm text-text placeholder:text-text-muted focus:border-accent-cyan focus:outline-none"
          />
        </div>
        {error && (
          <p role="alert" className="mx-3 mb-2 rounded-md bg-danger/10 px-2 py-1.5 text-xs text-text">
            {error}
          </p>
        )}
        <div className="min-h-0 flex-1 overflow-y-auto px-2 pb-3">
          {results !== null && query.trim() !== '' ? (
            <SearchResults results={results} onOpen={onOpenResult} />
          ) : (
          <ul data-testid="conversation-list" className="flex flex-col gap-0.5">
            {items.map((conversation) => (
              <ConversationItem
                key={conversation.id}
                conversation={conversation}
                active={conversation.id === activeId}
                onSelect={onSelect}
                onRename={onRename}
                onDelete={onDelete}
              />
            ))}
          </ul>
          )}
          {!loading && items.length === 0 && !error && results === null && (
            <p className="px-3 py-4 text-sm text-text-muted">Aucune conversation pour l’instant.</p>
          )}
          {nextCursor && results === null && (
            <div ref={sentinel} className="px-1 pt-2">
              <button
                type="button"
                data-testid="load-more-conversations"
                onClick={() => void loadMore()}
                disabled={loading}
                className="w-full rounded-lg px-3 py-1.5 text-sm text-text-muted hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan disabled:opacity-50"
              >
                {loading ? 'Chargement…' : 'Plus'}
              </button>
            </div>
          )}
        </div>
        <div className="border-t border-border p-2">
          <button
            type="button"
            data-testid="open-settings"
            onClick={onOpenSettings}
            aria-current={settingsActive ? 'page' : undefined}
            className="flex w-full items-center gap-2 rounded-lg px-3 py-2 text-sm text-text-muted hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan aria-[current=page]:bg-surface-muted aria-[current=page]:text-text"
          >
            <svg aria-hidden="true" viewBox="0 0 24 24" className="size-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
              <circle cx="12" cy="12" r="3" />
              <path d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1Z" />
            </svg>
            Réglages
          </button>
          {footer}
        </div>
      </nav>
      {toDelete && (
        <ConfirmDelete title={toDelete.title || 'Sans titre'} onConfirm={() => void confirmDelete()} onCancel={cancelDelete} />
      )}
    </>
  );
}
