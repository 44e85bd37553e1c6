import { lazy, Suspense, useCallback, useEffect, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { useChatStore } from '../../stores/chatStore';
import { useAccountStore } from '../../stores/accountStore';
import { settingsStore, useSettingsStore } from '../../stores/settingsStore';
import { ThemeToggle } from '../theme/ThemeToggle';
import { ExportMenu } from '../data/ExportMenu';
import { ChatInput, type ChatInputHandle } from './ChatInput';
import { AnswerAnnouncer } from './AnswerAnnouncer';
import { MarkdownWarmUp } from './Markdown';
import { MessageList } from './MessageList';

// The onboarding (and the model forms) load only when no model is configured yet.
const Onboarding = lazy(() => import('../settings/Onboarding').then((m) => ({ default: m.Onboarding })));

interface ChatViewProps {
  /** Narrow screens: opens the conversation list. */
  onOpenMenu?: () => void;
  /** Whether that list is open (for the button's aria-expanded). */
  menuOpen?: boolean;
  /** « Nouvelle conversation » from the unknown-conversation page. */
  onNewConversation?: () => void;
}

export function ChatView({ onOpenMenu, menuOpen = false, onNewConversation }: ChatViewProps = {}) {
  const messages = useChatStore((s) => s.messages);
  const status = useChatStore((s) => s.status);
  const loadState = useChatStore((s) => s.loadState);
  const loadError = useChatStore((s) => s.loadError);
  const reconnecting = useChatStore((s) => s.reconnecting);
  const notice = useChatStore((s) => s.notice);
  const dismissNotice = useChatStore((s) => s.dismissNotice);
  const hasConversation = useChatStore((s) => s.conversationId !== null);
  const send = useChatStore((s) => s.send);
  const stop = useChatStore((s) => s.stop);
  const retry = useChatStore((s) => s.retry);
  const regenerate = useChatStore((s) => s.regenerate);
  const continueAnswer = useChatStore((s) => s.continueAnswer);
  const browseVersion = useChatStore((s) => s.browseVersion);
  const focusMessageId = useChatStore((s) => s.focusMessageId);
  const focusMessage = useChatStore((s) => s.focusMessage);
  const openConversation = useChatStore((s) => s.openConversation);
  const conversationId = useChatStore((s) => s.conversationId);
  const settings = useSettingsStore((s) => s.settings);
  const input = useRef<ChatInputHandle>(null);
  const busy = status === 'waiting' || status === 'streaming';
  const canAct = !busy && hasConversation;
  // A new user with no model: choose one first (a saved conversation can still be read).
  const member = useAccountStore((s) => s.me?.mode === 'team' && s.me.role !== 'admin');
  const onboarding = settings !== null && !settings.configured && !hasConversation && messages.length === 0;

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

  const onRetry = useCallback(() => {
    void retry();
    input.current?.focus();
  }, [retry]);
  const onRegenerate = useCallback(() => void regenerate(), [regenerate]);
  const onContinue = useCallback(() => void continueAnswer(), [continueAnswer]);
  const onBrowseVersion = useCallback((id: string, step: -1 | 1) => void browseVersion(id, step), [browseVersion]);
  const onFocused = useCallback(() => focusMessage(null), [focusMessage]);

  // Files dragged over the chat are attached to the message being written.
  const [dragging, setDragging] = useState(false);
  const carriesFiles = (event: DragEvent) => Array.from(event.dataTransfer.types).includes('Files');
  const dropHandlers = onboarding || loadState === 'not_found' ? {} : {
    onDragOver: (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
      setDragging(true);
    },
    onDragLeave: (event: DragEvent) => {
      if (event.currentTarget === event.target || !event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
    },
    onDrop: (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      setDragging(false);
      input.current?.addFiles(Array.from(event.dataTransfer.files));
      input.current?.focus();
    },
  };

  return (
    <div className="relative flex h-dvh flex-col bg-surface text-text" data-testid="chat-view" {...dropHandlers}>
      {dragging && (
        <div aria-hidden="true" className="pointer-events-none absolute inset-2 z-20 flex items-center justify-center rounded-2xl border-2 border-dashed border-accent-cyan bg-surface/80 text-lg font-medium">
          Déposez vos fichiers ici
        </div>
      )}
      <header className="border-b border-border">
        <div className="mx-auto flex w-full max-w-3xl items-center justify-between gap-2 px-4 py-2.5">
          {onOpenMenu && (
            <button
              type="button"
              id="menu-button"
              data-testid="menu-button"
              aria-label="Afficher les conversations"
              aria-expanded={menuOpen}
              aria-controls="conversation-sidebar"
              onClick={onOpenMenu}
              className="flex size-9 items-center justify-center rounded-lg text-text-muted hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan md:hidden"
            >
              <svg aria-hidden="true" viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
                <path d="M4 6h16M4 12h16M4 18h16" />
              </svg>
            </button>
          )}
          <h1 className="brand mr-auto text-lg font-bold tracking-wide">THÉRÈSE</h1>
          {conversationId && messages.length > 0 && <ExportMenu conversationId={conversationId} />}
          <ThemeToggle />
        </div>
      </header>

      <main className="flex min-h-0 flex-1 flex-col">
        {loadState === 'not_found' ? (
          <Notice testId="conversation-not-found" text="Cette conversation n’existe pas ou a été supprimée.">
            <button type="button" onClick={onNewConversation} className={noticeButton}>
              Nouvelle conversation
            </button>
          </Notice>
        ) : loadState === 'error' ? (
          <Notice testId="conversation-load-error" text={loadError ?? 'Impossible d’ouvrir cette conversation.'}>
            <button type="button" onClick={() => conversationId && void openConversation(conversationId)} className={noticeButton}>
              Réessayer
            </button>
          </Notice>
        ) : loadState === 'loading' ? (
          <div role="status" data-testid="conversation-loading" className="flex flex-1 items-center justify-center text-text-muted">
            Chargement de la conversation…
          </div>
        ) : onboarding && member ? (
          <Notice testId="no-model-yet" text="Aucun modèle n’est encore choisi. Demandez à l’administrateur de votre équipe d’en choisir un." />
        ) : onboarding ? (
          <Suspense fallback={null}>
            <Onboarding settings={settings} onDone={() => void settingsStore.getState().load()} />
          </Suspense>
        ) : messages.length === 0 ? (
          <Welcome />
        ) : (
          <MessageList
            messages={messages}
            onRetry={onRetry}
            canRetry={status === 'error'}
            onRegenerate={canAct ? onRegenerate : undefined}
            onContinue={canAct ? onContinue : undefined}
            onBrowseVersion={canAct ? onBrowseVersion : undefined}
            focusId={focusMessageId}
            onFocused={onFocused}
          />
        )}
        <div
          hidden={loadState === 'not_found' || onboarding}
          className="mx-auto w-full max-w-3xl px-4 pb-[max(1rem,env(safe-area-inset-bottom))]"
        >
          {reconnecting && (
            <p data-testid="reconnecting" role="status" className="mb-2 text-center text-xs text-text-muted">
              Reconnexion...
            </p>
          )}
          {notice && (
            <div data-testid="chat-notice" role="alert" className="mb-2 flex items-start gap-2 rounded-lg border border-border bg-surface-muted px-3 py-2 text-sm">
              <p className="flex-1">{notice}</p>
              <button type="button" aria-label="Fermer ce message" onClick={dismissNotice} className="text-text-muted hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan">
                ×
              </button>
            </div>
          )}
          <ChatInput
            ref={input}
            busy={busy}
            draftKey={conversationId ?? 'new'}
            onSend={(content, attachments) => {
              void send(content, attachments).then((sent) => {
                if (!sent) input.current?.restore(content, attachments);
              });
            }}
            onStop={stop}
          />
          {/* Once the chat is on screen: the Markdown pipeline, in idle time. */}
          <MarkdownWarmUp />
          <p className="keyboard-hint mt-2 text-center text-xs text-text-muted">
            Entrée pour envoyer, Maj+Entrée pour aller à la ligne{busy ? ', Échap pour arrêter' : ''}.
          </p>
          <AnswerAnnouncer messages={messages} />
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

const noticeButton =
  'mt-4 rounded-lg bg-accent-cyan px-4 py-2 text-sm font-semibold text-slate-950 hover:brightness-95 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-violet';

function Notice({ testId, text, children }: { testId: string; text: string; children?: ReactNode }) {
  return (
    <div data-testid={testId} role="alert" className="flex flex-1 items-center justify-center px-6 text-center">
      <div className="max-w-md">
        <p className="text-lg">{text}</p>
        {children}
      </div>
    </div>
  );
}
