/** Shown from the moment a message is sent until the first token of the answer arrives. */
export function ThinkingIndicator() {
  return (
    <div
      data-testid="thinking-indicator"
      role="status"
      aria-live="polite"
      className="flex items-center gap-2 py-2 text-sm text-text-muted"
    >
      <span className="thinking-dots" aria-hidden="true">
        <span />
        <span />
        <span />
      </span>
      <span>THÉRÈSE réfléchit...</span>
    </div>
  );
}
