import { useCallback, useEffect, useLayoutEffect, useRef, useState, type WheelEvent } from 'react';
import type { ChatMessage } from '../../stores/chatStore';
import { MessageItem } from './MessageItem';
import { ScrollToBottom } from './ScrollToBottom';
import { ThinkingIndicator } from './ThinkingIndicator';

/** Within this many pixels of the bottom, the list keeps following the stream. */
const FOLLOW_THRESHOLD = 48;
/**
 * A long conversation renders only its last messages; scrolling near the top adds earlier ones,
 * a page at a time, so opening 2,000 messages costs about as much as opening 40.
 */
export const INITIAL_WINDOW = 8;
/** Small steps: a few Markdown answers per frame keep every task well under 100 ms. */
export const WINDOW_STEP = 4;
const LOAD_EARLIER_THRESHOLD = 600;

interface MessageListProps {
  messages: ChatMessage[];
  onRetry: () => void;
  canRetry: boolean;
  /** Offered on the last answer when nothing is streaming. */
  onRegenerate?: () => void;
  onContinue?: () => void;
  onBrowseVersion?: (messageId: string, step: -1 | 1) => void;
  /** Bring this message into view and mark it for a moment (a search result), then call onFocused. */
  focusId?: string | null;
  onFocused?: () => void;
}

export function MessageList({ messages, onRetry, canRetry, onRegenerate, onContinue, onBrowseVersion, focusId, onFocused }: MessageListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const [showJump, setShowJump] = useState(false);
  const [windowSize, setWindowSize] = useState(INITIAL_WINDOW);
  // A printed conversation is the whole conversation, not the window on screen.
  useEffect(() => {
    const showAll = () => setWindowSize(Number.MAX_SAFE_INTEGER);
    window.addEventListener('beforeprint', showAll);
    return () => window.removeEventListener('beforeprint', showAll);
  }, []);
  // Scroll position before earlier messages were added above, to keep the view where it was.
  const anchor = useRef<{ height: number; top: number } | null>(null);
  // While a found message settles into view, adding earlier messages would move it away.
  const holdEarlierUntil = useRef(0);

  const scrollToEnd = useCallback(() => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, []);

  // Another conversation: back to its last messages.
  const firstId = messages[0]?.id;
  useLayoutEffect(() => {
    setWindowSize(INITIAL_WINDOW);
    following.current = true;
    setShowJump(false);
  }, [firstId]);

  const lastUserId = messages.findLast((m) => m.role === 'user')?.id;
  // A message the user just sent always brings the view back to the bottom.
  useLayoutEffect(() => {
    following.current = true;
    setShowJump(false);
  }, [lastUserId]);

  // Runs after each store update has rendered, before paint: no visible jump.
  useLayoutEffect(() => {
    if (following.current) scrollToEnd();
  }, [messages, scrollToEnd]);

  // Messages off screen are laid out lazily (content-visibility) and code blocks may grow after the
  // first paint: while following, any growth of the content keeps the bottom in view.
  const content = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = content.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      if (following.current) scrollToEnd();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [scrollToEnd]);

  const start = Math.max(0, messages.length - windowSize);
  const hasEarlier = start > 0;

  const showEarlier = useCallback(() => {
    const el = scroller.current;
    if (el) anchor.current = { height: el.scrollHeight, top: el.scrollTop };
    setWindowSize((size) => size + WINDOW_STEP);
  }, []);

  useLayoutEffect(() => {
    const el = scroller.current;
    const saved = anchor.current;
    anchor.current = null;
    if (!el) return;
    if (saved) el.scrollTop = saved.top + (el.scrollHeight - saved.height);
    // Still close to the top (or the content does not fill the view yet): one more step next frame.
    if (!hasEarlier || el.scrollTop >= LOAD_EARLIER_THRESHOLD || performance.now() < holdEarlierUntil.current) return;
    const frame = requestAnimationFrame(() => {
      if (anchor.current === null) showEarlier();
    });
    return () => cancelAnimationFrame(frame);
  }, [windowSize, hasEarlier, showEarlier]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= FOLLOW_THRESHOLD;
    following.current = atBottom;
    setShowJump(!atBottom);
    if (hasEarlier && !atBottom && el.scrollTop < LOAD_EARLIER_THRESHOLD && anchor.current === null && performance.now() >= holdEarlierUntil.current)
      showEarlier();
  };

  // Scrolling up must win over the next frame of tokens, even before the scroll event lands.
  const onWheel = (event: WheelEvent) => {
    if (event.deltaY < 0) following.current = false;
  };

  const jump = () => {
    following.current = true;
    setShowJump(false);
    scrollToEnd();
  };

  // A search result: show enough earlier messages to include it, then scroll it to the middle.
  const focusIndex = focusId ? messages.findIndex((m) => m.id === focusId) : -1;
  useLayoutEffect(() => {
    if (focusIndex < 0) return;
    const needed = messages.length - focusIndex;
    if (windowSize < needed) {
      setWindowSize(needed);
      return;
    }
    const row = scroller.current?.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(focusId!)}"]`);
    if (!row) return;
    following.current = false;
    holdEarlierUntil.current = performance.now() + 1500;
    row.scrollIntoView({ block: 'center' });
    row.classList.add('message-found');
    setTimeout(() => row.classList.remove('message-found'), 2500);
    onFocused?.();
  }, [focusIndex, focusId, messages.length, windowSize, onFocused]);

  const last = messages.at(-1);
  // « THÉRÈSE réfléchit... » until the first reasoning or answer token.
  const waiting = last?.role === 'assistant' && last.status === 'streaming' && last.content === '' && !last.parts?.length;
  const shown = start === 0 ? messages : messages.slice(start);

  return (
    <div className="relative min-h-0 flex-1">
      <div
        ref={scroller}
        data-testid="message-list"
        onScroll={onScroll}
        onWheel={onWheel}
        className="h-full overflow-y-auto overscroll-contain"
        aria-label="Conversation"
      >
        <div ref={content} className="mx-auto flex w-full max-w-3xl flex-col gap-6 px-4 py-6">
          {hasEarlier && (
            <button
              type="button"
              data-testid="load-earlier"
              onClick={showEarlier}
              className="self-center rounded-full border border-border px-3 py-1 text-sm text-text-muted hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan"
            >
              Afficher les messages précédents ({start})
            </button>
          )}
          {shown.map((message, i) => {
            const isLast = start + i === messages.length - 1;
            if (waiting && isLast) return null;
            return (
              <div key={message.id} className="message-row" data-message-id={message.id}>
                <MessageItem
                  message={message}
                  onRetry={canRetry && isLast ? onRetry : undefined}
                  onRegenerate={isLast ? onRegenerate : undefined}
                  onContinue={isLast ? onContinue : undefined}
                  onBrowseVersion={onBrowseVersion}
                />
              </div>
            );
          })}
          {waiting && <ThinkingIndicator loadingModel={messages.at(-1)?.loadingModel} />}
        </div>
      </div>
      {showJump && <ScrollToBottom onClick={jump} />}
    </div>
  );
}
