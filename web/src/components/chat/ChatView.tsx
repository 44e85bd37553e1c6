import { useEffect, useRef } from 'react';
import { useChatStore } from '../../stores/chatStore';
import { ThemeToggle } from '../theme/ThemeToggle';
import { ChatInput, type ChatInputHandle } from './ChatInput';
import { MessageList } from './MessageList';

export function ChatView() {
  const messages = useChatStore((s) => s.messages);
  const status = useChatStore((s) => s.status);
  const send = useChatStore((s) => s.send);
  const stop = useChatStore((s) => s.stop);
  const retry = useChatStore((s) => s.retry);
  const input = useRef<ChatInputHandle>(null);
  const busy = status === 'waiting' || status === 'streaming';

  // Escape stops the answer from anywhere on the page, not only from the textarea.
  useEffect(() => {
    if (!busy) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.isComposing) {
        event.preventDefault();
        stop();
        input.current?.focus();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [busy, stop]);

  const onRetry = () => {
    void retry();
    input.current?.focus();
  };

  return (
    <div className="flex h-dvh flex-col bg-surface text-text">
      <header className="border-b border-border">
        <div className="mx-auto flex w-full max-w-3xl items-center justify-between px-4 py-2.5">
          <h1 className="brand text-lg font-bold tracking-wide">THÉRÈSE</h1>
          <ThemeToggle />
        </div>
      </header>

      <main className="flex min-h-0 flex-1 flex-col">
        {messages.length === 0 ? (
          <Welcome />
        ) : (
          <MessageList messages={messages} onRetry={onRetry} canRetry={status === 'error'} />
        )}
        <div className="mx-auto w-full max-w-3xl px-4 pb-[max(1rem,env(safe-area-inset-bottom))]">
          <ChatInput ref={input} busy={busy} onSend={(content) => void send(content)} onStop={stop} />
          <p className="mt-2 text-center text-xs text-text-muted">
            Entrée pour envoyer, Maj+Entrée pour aller à la ligne{busy ? ', Échap pour arrêter' : ''}.
          </p>
        </div>
      </main>
    </div>
  );
}

function Welcome() {
  return (
    <div className="flex flex-1 items-center justify-center px-6 text-center">
      <div className="max-w-md">
        <div aria-hidden="true" className="welcome-mark mx-auto mb-5 size-14 rounded-2xl" />
        <p className="text-2xl font-semibold text-balance">Bonjour, je suis THÉRÈSE.</p>
        <p className="mt-2 text-lg text-text-muted">Comment puis-je vous aider ?</p>
      </div>
    </div>
  );
}
