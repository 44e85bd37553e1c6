import { useCallback, useLayoutEffect, useRef, useState, type WheelEvent } from 'react';
import type { ChatMessage } from '../../stores/chatStore';
import { MessageItem } from './MessageItem';
import { ScrollToBottom } from './ScrollToBottom';
import { ThinkingIndicator } from './ThinkingIndicator';

/** Within this many pixels of the bottom, the list keeps following the stream. */
const FOLLOW_THRESHOLD = 48;

interface MessageListProps {
  messages: ChatMessage[];
  onRetry: () => void;
  canRetry: boolean;
}

export function MessageList({ messages, onRetry, canRetry }: MessageListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const [showJump, setShowJump] = useState(false);

  const scrollToEnd = useCallback(() => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, []);

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

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= FOLLOW_THRESHOLD;
    following.current = atBottom;
    setShowJump(!atBottom);
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

  const last = messages.at(-1);
  const waiting = last?.role === 'assistant' && last.status === 'streaming' && last.content === '';

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
        <div className="mx-auto flex w-full max-w-3xl flex-col gap-6 px-4 py-6">
          {messages.map((message, index) =>
            waiting && index === messages.length - 1 ? null : (
              <MessageItem
                key={message.id}
                message={message}
                onRetry={canRetry && index === messages.length - 1 ? onRetry : undefined}
              />
            ),
          )}
          {waiting && <ThinkingIndicator />}
        </div>
      </div>
      {showJump && <ScrollToBottom onClick={jump} />}
    </div>
  );
}
