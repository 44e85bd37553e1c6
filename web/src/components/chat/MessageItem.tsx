import { memo } from 'react';
import { navigate, settingsPath } from '../../router/router';
import type { ChatMessage } from '../../stores/chatStore';
import { Markdown } from './Markdown';
import { MessageActions } from './MessageActions';

export const notConfiguredHint = 'Choisissez le modèle qui répondra dans les Réglages ; aucun redémarrage n’est nécessaire.';

interface MessageItemProps {
  message: ChatMessage;
  /** Only the last failed answer offers « Réessayer ». */
  onRetry?: () => void;
  /** Only the last answer offers « Régénérer » and « Continuer », when nothing is streaming. */
  onRegenerate?: () => void;
  onContinue?: () => void;
  onBrowseVersion?: (messageId: string, step: -1 | 1) => void;
}

export const MessageItem = memo(function MessageItem({ message, onRetry, onRegenerate, onContinue, onBrowseVersion }: MessageItemProps) {
  if (message.role === 'user') {
    return (
      <div data-testid="message-user" className="flex justify-end">
        <div className="max-w-[85%] rounded-2xl rounded-br-md bg-user-bubble px-4 py-2.5 whitespace-pre-wrap break-words text-text">
          {message.content}
        </div>
      </div>
    );
  }

  const streaming = message.status === 'streaming';
  return (
    <article
      data-testid="message-assistant"
      data-status={message.status}
      aria-busy={streaming}
      className="group min-w-0"
    >
      {message.content !== '' && (
        <div data-testid="message-content" className="break-words">
          <Markdown text={message.content} streaming={streaming} />
        </div>
      )}
      <StatusNote message={message} onRetry={onRetry} />
      {!streaming && (
        <MessageActions message={message} onRegenerate={onRegenerate} onContinue={onContinue} onBrowseVersion={onBrowseVersion} />
      )}
    </article>
  );
});

function StatusNote({ message, onRetry }: MessageItemProps) {
  switch (message.status) {
    case 'stopped':
      return <p className="mt-2 text-sm text-text-muted italic">Réponse interrompue</p>;
    case 'interrupted':
      return <p className="mt-2 text-sm text-text-muted italic">Réponse interrompue (THÉRÈSE a redémarré)</p>;
    case 'error':
      return (
        <div
          role="alert"
          className="mt-2 rounded-lg border border-danger/40 bg-danger/10 px-3 py-2.5 text-sm text-text"
        >
          <p data-testid="message-error">
            {message.error?.message ?? 'Une erreur est survenue.'}
          </p>
          {message.error?.code === 'not_configured' && (
            <p className="mt-1 text-text-muted">
              {notConfiguredHint}{' '}
              <button
                type="button"
                data-testid="open-settings-from-error"
                onClick={() => navigate(settingsPath)}
                className="font-medium text-text underline underline-offset-2 focus-visible:outline-2 focus-visible:outline-accent-cyan"
              >
                Ouvrir les Réglages
              </button>
            </p>
          )}
          {onRetry && (
            <button
              type="button"
              data-testid="retry-button"
              onClick={onRetry}
              className="mt-2 rounded-md border border-border bg-surface px-3 py-1 font-medium hover:bg-surface-muted focus-visible:outline-2 focus-visible:outline-accent-cyan"
            >
              Réessayer
            </button>
          )}
        </div>
      );
    default:
      return null;
  }
}
