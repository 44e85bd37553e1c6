export function ScrollToBottom({ onClick }: { onClick: () => void }) {
  return (
    <button
      type="button"
      data-testid="scroll-to-bottom"
      aria-label="Aller en bas"
      onClick={onClick}
      className="absolute bottom-3 left-1/2 z-10 flex size-10 -translate-x-1/2 items-center justify-center rounded-full border border-border bg-surface text-lg text-text shadow-md hover:bg-surface-muted focus-visible:outline-2 focus-visible:outline-accent-cyan"
    >
      ↓
    </button>
  );
}
