import { useEffect, useRef, useState } from 'react';
import type { ChatMessage } from '../../stores/chatStore';
import { awaitingTools } from '../../stores/messageParts';
import { approvalQuestion } from './ToolStep';

/** The first words of an answer, for the announcement. */
const FIRST_WORDS = 140;

/** What a screen reader hears when an answer ends (never each token). */
export function announcementFor(message: ChatMessage): string {
  switch (message.status) {
    case 'complete': {
      const text = message.content.replace(/\s+/g, ' ').trim();
      const start = text.length > FIRST_WORDS ? `${text.slice(0, FIRST_WORDS).replace(/\s\S*$/, '')}…` : text;
      return start ? `Réponse terminée : ${start}` : 'Réponse terminée.';
    }
    case 'stopped':
      return 'Réponse arrêtée. Le début de la réponse est conservé.';
    case 'interrupted':
      return 'Réponse interrompue. Le début de la réponse est conservé.';
    case 'error':
      return `La réponse a échoué : ${message.error?.message ?? 'erreur inconnue.'}`;
    default:
      return '';
  }
}

/**
 * A polite live region: it speaks once when the answer being written ends (complete, stopped,
 * interrupted, failed), with the first words of a complete answer, and once when a tool call waits for the
 * person's approval (a reloaded page too: the answer waits for them).
 */
export function AnswerAnnouncer({ messages }: { messages: ChatMessage[] }) {
  const [text, setText] = useState('');
  const live = useRef<string | null>(null);
  const asked = useRef(new Set<string>());
  const last = messages.at(-1);

  useEffect(() => {
    if (!last || last.role !== 'assistant') return;
    if (last.status === 'streaming') {
      live.current = last.id;
      const waiting = awaitingTools(last.parts).find((tool) => !asked.current.has(tool.call_id));
      if (waiting) {
        asked.current.add(waiting.call_id);
        setText(approvalQuestion(waiting));
      }
      return;
    }
    // Only an answer seen streaming here ends aloud; opening a conversation reads nothing out.
    if (live.current !== null) {
      live.current = null;
      setText(announcementFor(last));
    }
  }, [last]);

  return (
    <div data-testid="live-announcer" aria-live="polite" aria-atomic="true" className="sr-only">
      {text}
    </div>
  );
}
