import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { conversationPath, navigate, parseRoute, router, settingsPath, useRoute } from '../router/router';
import { chatStore, useChatStore } from '../stores/chatStore';
import { conversationsStore } from '../stores/conversationsStore';
import { settingsStore } from '../stores/settingsStore';
import { ChatView } from './chat/ChatView';
import { Sidebar } from './conversations/Sidebar';

// « Réglages » (and its forms) load when first opened: the chat does not need them to show.
const SettingsPage = lazy(() => import('./settings/SettingsPage').then((m) => ({ default: m.SettingsPage })));

/** The page: the conversation list beside the chat, both following the address (`/`, `/c/{id}`). */
export function App() {
  const route = useRoute();
  const activeId = useChatStore((s) => s.conversationId);
  const [menuOpen, setMenuOpen] = useState(false);

  // Which model answers, and whether one is configured at all (onboarding).
  useEffect(() => {
    void settingsStore.getState().load();
  }, []);

  // The address decides which conversation is shown (load, back, forward, bookmark).
  useEffect(() => {
    const chat = chatStore.getState();
    if (route.name === 'conversation') void chat.openConversation(route.id);
    else if (route.name === 'new' && chat.conversationId !== null) chat.newConversation();
  }, [route]);

  useEffect(
    () =>
      chatStore.subscribe((state, previous) => {
        // First `start` of a new conversation: give it its address and show it in the list.
        if (state.conversationId && previous.conversationId === null) {
          if (parseRoute(router.store.getState().path).name === 'new') {
            navigate(conversationPath(state.conversationId), { replace: true });
            void conversationsStore.getState().refresh();
          }
        }
        // An answer ended: the conversation moved to the top of the list.
        const wasBusy = previous.status === 'waiting' || previous.status === 'streaming';
        if (wasBusy && (state.status === 'idle' || state.status === 'error')) void conversationsStore.getState().refresh();
      }),
    [],
  );

  const newConversation = useCallback(() => {
    chatStore.getState().newConversation();
    navigate('/');
    setMenuOpen(false);
  }, []);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && event.key.toLowerCase() === 'n') {
        event.preventDefault();
        newConversation();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [newConversation]);

  const select = useCallback((id: string) => {
    navigate(conversationPath(id));
    setMenuOpen(false);
  }, []);

  const onDeleted = useCallback(
    (id: string) => {
      if (chatStore.getState().conversationId === id) newConversation();
    },
    [newConversation],
  );

  const closeMenu = useCallback(() => setMenuOpen(false), []);
  const openSettings = useCallback(() => {
    navigate(settingsPath);
    setMenuOpen(false);
  }, []);
  const backToChat = useCallback(() => {
    const id = chatStore.getState().conversationId;
    navigate(id ? conversationPath(id) : '/');
  }, []);

  return (
    <div className="flex h-dvh bg-surface text-text">
      <Sidebar
        activeId={activeId}
        open={menuOpen}
        onClose={closeMenu}
        onSelect={select}
        onNew={newConversation}
        onDeleted={onDeleted}
        onOpenSettings={openSettings}
        settingsActive={route.name === 'settings'}
      />
      <div className="min-w-0 flex-1">
        {route.name === 'settings' ? (
          <Suspense fallback={null}>
            <SettingsPage onOpenMenu={() => setMenuOpen(true)} onBack={backToChat} />
          </Suspense>
        ) : (
          <ChatView onOpenMenu={() => setMenuOpen(true)} onNewConversation={newConversation} />
        )}
      </div>
    </div>
  );
}
