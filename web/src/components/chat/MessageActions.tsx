import { useEffect, useState, type ReactNode } from 'react';
import { canContinue, type ChatMessage } from '../../stores/chatStore';

interface MessageActionsProps {
  message: ChatMessage;
  /** Given to the last answer only, when no answer is streaming. */
  onRegenerate?: () => void;
  onContinue?: () => void;
  /** Shows another version of this answer (absent while an answer streams). */
  onBrowseVersion?: (messageId: string, step: -1 | 1) => void;
}

const number = new Intl.NumberFormat('fr-FR');

/** Copier, Régénérer, Continuer, and the discreet token and version counts under an answer. */
export function MessageActions({ message, onRegenerate, onContinue, onBrowseVersion }: MessageActionsProps) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(message.content);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };

  const versions = message.versionCount ?? 1;
  const version = message.version ?? versions;
  // After a Stop or a failure, « Continuer » is what helps most: always shown, not only on hover.
  const pinned = !!onContinue && canContinue(message);
  return (
    <div data-pinned={pinned || undefined} className="message-actions mt-1.5 flex flex-wrap items-center gap-1 text-xs text-text-muted">
      {message.content !== '' && (
        <ActionButton testId="copy-button" onClick={() => void copy()} label={copied ? 'Copié' : 'Copier'}>
          {copied ? <path d="M5 12.5l4.5 4.5L19 7.5" /> : <><rect x="8" y="8" width="12" height="12" rx="2" /><path d="M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2" /></>}
        </ActionButton>
      )}
      {onRegenerate && (
        <ActionButton testId="regenerate-button" onClick={onRegenerate} label="Régénérer">
          <path d="M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7" />
        </ActionButton>
      )}
      {onContinue && canContinue(message) && (
        <ActionButton testId="continue-button" onClick={onContinue} label="Continuer">
          <path d="M5 12h14M13 6l6 6-6 6" />
        </ActionButton>
      )}
      {message.usage && (
        <span data-testid="message-tokens" className="px-1.5" title="Jetons envoyés → jetons reçus">
          {number.format(message.usage.input_tokens)} → {number.format(message.usage.output_tokens)} jetons
        </span>
      )}
      {versions > 1 && (
        <span className="flex items-center">
          {onBrowseVersion && (
            <button
              type="button"
              data-testid="version-previous"
              aria-label="Version précédente"
              disabled={version <= 1}
              onClick={() => onBrowseVersion(message.id, -1)}
              className="rounded-md px-1.5 py-1 hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan disabled:opacity-40"
            >
              ‹
            </button>
          )}
          <span data-testid="message-versions" className="px-1 tabular-nums" aria-label={`Version ${version} sur ${versions}`}>
            {version}/{versions}
          </span>
          {onBrowseVersion && (
            <button
              type="button"
              data-testid="version-next"
              aria-label="Version suivante"
              disabled={version >= versions}
              onClick={() => onBrowseVersion(message.id, 1)}
              className="rounded-md px-1.5 py-1 hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan disabled:opacity-40"
            >
              ›
            </button>
          )}
        </span>
      )}
    </div>
  );
}

function ActionButton({
  testId,
  label,
  onClick,
  children,
}: {
  testId: string;
  label: string;
  onClick: () => void;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      data-testid={testId}
      onClick={onClick}
      className="flex items-center gap-1 rounded-md px-1.5 py-1 hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan"
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
        {children}
      </svg>
      <span aria-live={testId === 'copy-button' ? 'polite' : undefined}>{label}</span>
    </button>
  );
}
