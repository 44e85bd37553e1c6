import { memo, useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { ConversationSummary } from '../../api/conversations';
import { conversationPath } from '../../router/router';

interface ConversationItemProps {
  conversation: ConversationSummary;
  active: boolean;
  onSelect: (id: string) => void;
  onRename: (id: string, title: string) => void;
  onDelete: (conversation: ConversationSummary) => void;
}

const iconButton =
  'flex size-7 shrink-0 items-center justify-center rounded-md text-text-muted hover:bg-surface hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan';

export const ConversationItem = memo(function ConversationItem({
  conversation,
  active,
  onSelect,
  onRename,
  onDelete,
}: ConversationItemProps) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(conversation.title);
  const field = useRef<HTMLInputElement>(null);
  // Escape unmounts the field; its blur must not save.
  const cancelled = useRef(false);

  useEffect(() => {
    if (!editing) return;
    field.current?.focus();
    field.current?.select();
  }, [editing]);

  const startEditing = () => {
    cancelled.current = false;
    setDraft(conversation.title);
    setEditing(true);
  };

  const save = () => {
    if (cancelled.current) return;
    cancelled.current = true;
    setEditing(false);
    const title = draft.trim();
    if (title !== '' && title !== conversation.title) onRename(conversation.id, title);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.nativeEvent.isComposing) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      save();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      cancelled.current = true;
      setEditing(false);
    }
  };

  const title = conversation.title.trim() || 'Sans titre';

  const open = (event: MouseEvent<HTMLAnchorElement>) => {
    // Ctrl/⌘/middle click keep the browser's "open in a new tab".
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    onSelect(conversation.id);
  };

  return (
    <li
      data-testid="conversation-item"
      data-conversation-id={conversation.id}
      aria-current={active ? 'page' : undefined}
      className={`conversation-item group flex items-center gap-1 rounded-lg pr-1 ${
        active ? 'bg-surface-muted text-text' : 'text-text hover:bg-surface-muted'
      }`}
    >
      {editing ? (
        <input
          ref={field}
          data-testid="rename-input"
          aria-label="Nouveau titre de la conversation"
          value={draft}
          maxLength={200}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
          onBlur={save}
          className="m-1 min-w-0 flex-1 rounded-md border border-accent-cyan bg-surface px-2 py-1 text-sm text-text focus:outline-none"
        />
      ) : (
        <a
          href={conversationPath(conversation.id)}
          onClick={open}
          aria-current={active ? 'page' : undefined}
          title={title}
          className="min-w-0 flex-1 truncate rounded-lg px-3 py-2 text-sm focus-visible:outline-2 focus-visible:outline-accent-cyan"
        >
          {title}
        </a>
      )}
      {!editing && (
        <div className="item-actions flex items-center">
          <button
            type="button"
            data-testid="rename-conversation"
            aria-label={`Renommer « ${title} »`}
            title="Renommer"
            onClick={startEditing}
            className={iconButton}
          >
            <svg aria-hidden="true" viewBox="0 0 24 24" className="size-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
              <path d="M4 20h4L19 9l-4-4L4 16v4ZM13.5 6.5l4 4" />
            </svg>
          </button>
          <button
            type="button"
            data-testid="delete-conversation"
            aria-label={`Supprimer « ${title} »`}
            title="Supprimer"
            onClick={() => onDelete(conversation)}
            className={iconButton}
          >
            <svg aria-hidden="true" viewBox="0 0 24 24" className="size-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
              <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />
            </svg>
          </button>
        </div>
      )}
    </li>
  );
});
