import { lazy, Suspense, useCallback, useEffect, useState, type ReactNode } from 'react';
import { conversationPath, navigate, parseRoute, router, settingsPath, useRoute, type Route } from '../router/router';
import { useAccessStore } from '../stores/accessStore';
import { useAccountStore } from '../stores/accountStore';
import { chatStore, useChatStore } from '../stores/chatStore';
import { conversationsStore } from '../stores/conversationsStore';
import { settingsStore } from '../stores/settingsStore';
import { AccessTokenForm } from './access/AccessTokenForm';
import { AccountGate } from './accounts/AccountGate';
import { UserMenu } from './accounts/UserMenu';
import { MyDataLink } from './data/MyDataLink';
import { PageFrame } from './layout/PageFrame';
import { ChatView } from './chat/ChatView';
import { Sidebar } from './conversations/Sidebar';

// « Réglages » (and its forms) load when first opened: the chat does not need them to show. So do
// the team pages, which personal mode never shows.
const SettingsPage = lazy(() => import('./settings/SettingsPage').then((m) => ({ default: m.SettingsPage })));
const AccountSection = lazy(() => import('./accounts/AccountPage').then((m) => ({ default: m.AccountSection })));
const PeopleSection = lazy(() => import('./accounts/PeoplePage').then((m) => ({ default: m.PeopleSection })));
const UsageSection = lazy(() => import('./accounts/UsageSection').then((m) => ({ default: m.UsageSection })));
const MyDataSection = lazy(() => import('./data/MyDataSection').then((m) => ({ default: m.MyDataSection })));
const AuditSection = lazy(() => import('./data/AuditSection').then((m) => ({ default: m.AuditSection })));

/**
 * The page: the conversation list beside the chat, both following the address (`/`, `/c/{id}`); or,
 * while the server asks for its access token, only the form that takes it. In team mode, the person
 * signs in first (AccountGate).
 */
export function App() {
  const tokenRequired = useAccessStore((s) => s.required);
  // The page is the app's from now on (its own chat input replaced the page's): tests and the benchmark wait for this.
  useEffect(() => {
    document.documentElement.dataset.app = '';
  }, []);
  return tokenRequired ? (
    <AccessTokenForm />
  ) : (
    <AccountGate>
      <Workspace />
    </AccountGate>
  );
}

/** The pages beside the chat that are not the chat: their title and content. */
const sidePages: Partial<Record<Route['name'], { title: string; testId: string; adminOnly?: boolean; everyMode?: boolean; content: () => ReactNode }>> = {
  account: { title: 'Mon compte', testId: 'account-page', content: () => <AccountSection /> },
  people: { title: 'Personnes', testId: 'people-page', adminOnly: true, content: () => <PeopleSection /> },
  usage: { title: 'Utilisation', testId: 'usage-page', adminOnly: true, content: () => <UsageSection /> },
  myData: { title: 'Mes données', testId: 'my-data-page', everyMode: true, content: () => <MyDataSection /> },
  audit: { title: 'Journal', testId: 'audit-page', adminOnly: true, content: () => <AuditSection /> },
};

function Workspace() {
  const route = useRoute();
  const activeId = useChatStore((s) => s.conversationId);
  const [menuOpen, setMenuOpen] = useState(false);

  // Which model answers, and whether one is configured at all (onboarding), unless the page came with it.
  useEffect(() => {
    if (settingsStore.getState().settings === null) void settingsStore.getState().load();
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
        // First `start` of a new conversation: give it its address and list it at once.
        if (state.conversationId && previous.conversationId === null) {
          if (parseRoute(router.store.getState().path).name === 'new') {
            navigate(conversationPath(state.conversationId), { replace: true });
            if (state.newConversationTitle) conversationsStore.getState().addStarted(state.conversationId, state.newConversationTitle);
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
    // What is typed next goes into the new conversation.
    requestAnimationFrame(() => document.getElementById('chat-input')?.focus());
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
  const openResult = useCallback((conversationId: string, messageId: string | null) => {
    chatStore.getState().focusMessage(messageId);
    navigate(conversationPath(conversationId));
    setMenuOpen(false);
  }, []);
  const openSettings = useCallback(() => {
    navigate(settingsPath);
    setMenuOpen(false);
  }, []);
  const backToChat = useCallback(() => {
    const id = chatStore.getState().conversationId;
    navigate(id ? conversationPath(id) : '/');
  }, []);

  // Team mode only: in personal mode there are no accounts, and these addresses show the chat.
  const team = useAccountStore((s) => s.me?.mode === 'team');
  const isAdmin = useAccountStore((s) => s.me?.role === 'admin');
  const sidePage = team || sidePages[route.name]?.everyMode ? sidePages[route.name] : undefined;
  const skipTarget = route.name === 'settings' ? 'settings-content' : sidePage ? 'page-content' : 'chat-input';

  return (
    <div className="flex h-dvh bg-surface text-text">
      <a
        href={`#${skipTarget}`}
        data-testid="skip-link"
        onClick={(event) => {
          event.preventDefault();
          document.getElementById(skipTarget)?.focus();
        }}
        className="sr-only z-50 rounded-lg bg-accent-cyan px-4 py-2 font-semibold text-slate-950 focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
      >
        {route.name === 'settings' ? 'Aller aux réglages' : sidePage ? 'Aller au contenu' : 'Aller au champ de message'}
      </a>
      <Sidebar
        activeId={activeId}
        open={menuOpen}
        onClose={closeMenu}
        onSelect={select}
        onNew={newConversation}
        onDeleted={onDeleted}
        onOpenSettings={openSettings}
        onOpenResult={openResult}
        settingsActive={route.name === 'settings'}
        footer={
          <>
            <MyDataLink current={route.name} onNavigate={closeMenu} />
            <UserMenu current={route.name} onNavigate={closeMenu} />
          </>
        }
      />
      <div className="min-w-0 flex-1">
        {route.name === 'settings' ? (
          <Suspense fallback={null}>
            <SettingsPage onOpenMenu={() => setMenuOpen(true)} menuOpen={menuOpen} onBack={backToChat} />
          </Suspense>
        ) : sidePage ? (
          <PageFrame testId={sidePage.testId} title={sidePage.title} onOpenMenu={() => setMenuOpen(true)} menuOpen={menuOpen} onBack={backToChat}>
            {sidePage.adminOnly && !isAdmin ? (
              <p data-testid="admin-only" role="alert">
                Cette page est réservée à l’administrateur de l’équipe.
              </p>
            ) : (
              <Suspense fallback={null}>{sidePage.content()}</Suspense>
            )}
          </PageFrame>
        ) : (
          <ChatView onOpenMenu={() => setMenuOpen(true)} menuOpen={menuOpen} onNewConversation={newConversation} />
        )}
      </div>
    </div>
  );
}
