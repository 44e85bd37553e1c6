import { memo } from 'react';
import { navigate, settingsPath } from '../../router/router';
import type { ChatMessage } from '../../stores/chatStore';
import { attachmentsOf, textParts, type MessagePart, type ToolPart } from '../../stores/messageParts';
import { SentFiles } from './FileChip';
import { Markdown } from './Markdown';
import { ReasoningBlock } from './ReasoningBlock';
import { ToolStep } from './ToolStep';
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
      <div data-testid="message-user" className="flex flex-col items-end">
        <SentFiles parts={attachmentsOf(message.parts)} />
        {message.content !== '' && (
          <div className="max-w-[85%] rounded-2xl rounded-br-md bg-user-bubble px-4 py-2.5 whitespace-pre-wrap break-words text-text">
            {message.content}
          </div>
        )}
      </div>
    );
  }

  const streaming = message.status === 'streaming';
  const pieces = piecesOf(message.parts ?? textParts(message.content));
  return (
    <article
      data-testid="message-assistant"
      data-status={message.status}
      aria-busy={streaming}
      className="group min-w-0"
    >
      {pieces.map((piece, i) => {
        const last = i === pieces.length - 1;
        if (piece.kind === 'tool') return <ToolStep key={`c${piece.tool.call_id}`} messageId={message.id} tool={piece.tool} />;
        if (piece.kind === 'reasoning')
          return (
            <ReasoningBlock
              key={`r${i}`}
              viewKey={`${message.id}:${i}`}
              text={piece.text}
              durationMs={piece.durationMs}
              live={streaming && last}
            />
          );
        return (
          <div key={`t${i}`} data-testid="message-content" className="break-words">
            <Markdown text={piece.text} streaming={streaming && last} />
          </div>
        );
      })}
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

type Piece = { kind: 'text'; text: string } | { kind: 'reasoning'; text: string; durationMs: number | null } | { kind: 'tool'; tool: ToolPart };

/**
 * What an answer shows, in order: its text, and one « Réflexion » block for each run of reasoning (Claude may
 * think in several signed blocks in a row: the person sees one), and each tool step in its place. Empty text parts
 * show nothing.
 */
export function piecesOf(parts: readonly MessagePart[]): Piece[] {
  const pieces: Piece[] = [];
  for (const part of parts) {
    const last = pieces.at(-1);
    if (part.type === 'reasoning') {
      if (last?.kind === 'reasoning') {
        last.text = [last.text, part.text].filter((t) => t !== '').join('\n\n');
        last.durationMs = last.durationMs === null && part.duration_ms === null ? null : (last.durationMs ?? 0) + (part.duration_ms ?? 0);
      } else {
        pieces.push({ kind: 'reasoning', text: part.text, durationMs: part.duration_ms });
      }
    } else if (part.type === 'tool') {
      pieces.push({ kind: 'tool', tool: part });
    } else if (part.type === 'text' && part.text !== '') {
      pieces.push({ kind: 'text', text: part.text });
    }
  }
  return pieces;
}
