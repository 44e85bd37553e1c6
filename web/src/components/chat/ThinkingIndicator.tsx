/**
 * Shown from the moment a message is sent until the first token of the answer arrives; while a
 * local model is being read from disk it says so instead.
 */
export function ThinkingIndicator({ loadingModel = false }: { loadingModel?: boolean }) {
  return (
    <div
      data-testid={loadingModel ? 'model-loading' : 'thinking-indicator'}
      role="status"
      aria-live="polite"
      className="flex items-center gap-2 py-2 text-sm text-text-muted"
    >
      <span className="thinking-dots" aria-hidden="true">
        <span />
        <span />
        <span />
      </span>
      <span>{loadingModel ? 'Chargement du modèle...' : 'THÉRÈSE réfléchit...'}</span>
    </div>
  );
}
