import { useId, useLayoutEffect, useRef } from 'react';
import { setReasoningOpen, useReasoningOpen } from '../../stores/reasoningView';
import { Markdown } from './Markdown';

interface ReasoningBlockProps {
  /** Identifies the block across renders, remounts and reloads: the message id and the block's place in it. */
  viewKey: string;
  text: string;
  /** How long the model reasoned in all; null when unknown (an answer cut by a crash). */
  durationMs: number | null;
  /** The model is reasoning in this block right now. */
  live: boolean;
}

/** « A réfléchi pendant 12 s », « moins d’une seconde », « 1 min 5 s ». */
export function reasoningLabel(durationMs: number | null): string {
  if (durationMs === null) return 'Réflexion';
  if (durationMs < 1000) return 'A réfléchi pendant moins d’une seconde';
  const seconds = Math.round(durationMs / 1000);
  if (seconds < 60) return `A réfléchi pendant ${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return `A réfléchi pendant ${minutes} min${rest > 0 ? ` ${rest} s` : ''}`;
}

/**
 * The model's reasoning: open while it streams in, in the same frame it arrives; closed to one line with its
 * duration once the answer begins; a click opens it again. Muted, plain Markdown, with the answers' rules for
 * hostile text. Someone reading it (pointer over it, or focus in it) when the answer begins keeps it open.
 */
export function ReasoningBlock({ viewKey, text, durationMs, live }: ReasoningBlockProps) {
  const open = useReasoningOpen(viewKey, live);
  const id = useId();
  const block = useRef<HTMLElement>(null);
  const wasLive = useRef(live);

  useLayoutEffect(() => {
    if (wasLive.current && !live) {
      const el = block.current;
      if (el && (el.matches(':hover') || el.contains(document.activeElement))) setReasoningOpen(viewKey, true);
    }
    wasLive.current = live;
  }, [live, viewKey]);

  const hidden = text.trim() === '';
  const label = live ? 'Réflexion en cours…' : hidden && durationMs !== null ? 'Réflexion masquée par le fournisseur' : reasoningLabel(durationMs);
  return (
    <section ref={block} data-testid="reasoning" data-live={live || undefined} className="mb-3 text-sm text-text-muted">
      <button
        type="button"
        data-testid="reasoning-toggle"
        aria-expanded={open}
        aria-controls={id}
        disabled={hidden}
        onClick={() => setReasoningOpen(viewKey, !open)}
        className="inline-flex items-center gap-1.5 rounded-md py-0.5 pr-1.5 hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan disabled:hover:text-text-muted"
      >
        <svg viewBox="0 0 24 24" aria-hidden="true" className={`h-3.5 w-3.5 transition-transform ${open && !hidden ? 'rotate-90' : ''}`} fill="none" stroke="currentColor" strokeWidth="2">
          <path d="M9 6l6 6-6 6" />
        </svg>
        <span data-testid="reasoning-label" className={live ? 'reasoning-live' : undefined}>{label}</span>
      </button>
      {open && !hidden && (
        <div id={id} data-testid="reasoning-text" className="reasoning-text mt-1 border-l-2 border-border pl-3 break-words">
          <Markdown text={text} streaming={live} />
        </div>
      )}
    </section>
  );
}
