import { useEffect, useId, useRef, useState } from 'react';
import { conversationExportUrl, type ExportFormat } from '../../api/myData';

const formats: { format: ExportFormat; label: string; hint: string }[] = [
  { format: 'md', label: 'Markdown (.md)', hint: 'texte lisible partout' },
  { format: 'docx', label: 'Word (.docx)', hint: 'titres, listes, tableaux' },
  { format: 'json', label: 'JSON (tout)', hint: 'chaque version, réimportable' },
];

const item =
  'flex w-full flex-col rounded-md px-3 py-2 text-left text-sm hover:bg-surface-muted focus-visible:bg-surface-muted focus-visible:outline-2 focus-visible:outline-accent-cyan';

/**
 * The conversation's menu, in the chat's header: « Exporter » as Markdown, Word or JSON (plain links: the server
 * names the file), and « Imprimer » (the print stylesheet gives a clean document, or a PDF).
 */
export function ExportMenu({ conversationId }: { conversationId: string }) {
  const [open, setOpen] = useState(false);
  const menu = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const id = useId();

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const onPointer = (event: PointerEvent) => {
      if (!menu.current?.contains(event.target as Node) && !button.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
      const at = items.indexOf(document.activeElement as HTMLElement);
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        setOpen(false);
        button.current?.focus();
      } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const next = (at + (event.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
        items[next]?.focus();
      } else if (event.key === 'Tab') {
        setOpen(false);
      }
    };
    document.addEventListener('pointerdown', onPointer);
    window.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      window.removeEventListener('keydown', onKey, true);
    };
  }, [open]);

  return (
    <div className="conversation-menu relative">
      <button
        ref={button}
        type="button"
        data-testid="conversation-menu"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => setOpen((o) => !o)}
        className="flex items-center gap-1.5 rounded-lg px-3 py-1.5 text-sm text-text-muted hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan"
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" className="size-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M12 3v12M7 10l5 5 5-5M5 21h14" />
        </svg>
        Exporter
      </button>
      {open && (
        <div
          ref={menu}
          id={id}
          role="menu"
          aria-label="Exporter la conversation"
          data-testid="export-menu"
          className="absolute right-0 z-40 mt-1 w-60 rounded-xl border border-border bg-surface p-1 shadow-lg"
        >
          {formats.map(({ format, label, hint }) => (
            <a
              key={format}
              role="menuitem"
              data-testid={`export-${format}`}
              href={conversationExportUrl(conversationId, format)}
              download
              onClick={() => setOpen(false)}
              className={item}
            >
              <span className="font-medium">{label}</span>
              <span className="text-xs text-text-muted">{hint}</span>
            </a>
          ))}
          <button
            type="button"
            role="menuitem"
            data-testid="print-conversation"
            onClick={() => {
              setOpen(false);
              // After the menu is gone from the page.
              requestAnimationFrame(() => window.print());
            }}
            className={item}
          >
            <span className="font-medium">Imprimer ou PDF</span>
            <span className="text-xs text-text-muted">sans la barre latérale ni les boutons</span>
          </button>
        </div>
      )}
    </div>
  );
}
