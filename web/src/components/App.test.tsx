import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ConversationSummary } from '../api/conversations';
import { router } from '../router/router';
import { accessStore } from '../stores/accessStore';
import { accountStore } from '../stores/accountStore';
import { chatStore } from '../stores/chatStore';
import { conversationsStore } from '../stores/conversationsStore';
import { manualStream, sseEvent } from '../test/sse';
import { App } from './App';

const chatInitial = chatStore.getState();
const listInitial = conversationsStore.getState();

const summary = (id: string, title: string): ConversationSummary => ({
  id,
  title,
  created_at: '2025-01-01T00:00:00Z',
  updated_at: '2025-01-01T00:00:00Z',
  message_count: 2,
});

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

const personal = { mode: 'personal', id: null, email: null, name: null, role: null, must_change_password: false };

/** A fake server for the conversations API; `calls` records method and URL. */
function fakeServer() {
  let conversations = [summary('c1', 'Budget de la mairie'), summary('c2', 'Lettre aux adhérents')];
  const calls: string[] = [];
  let stream: ReturnType<typeof manualStream> | null = null;
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://localhost');
    const method = init?.method ?? 'GET';
    calls.push(`${method} ${url.pathname}${url.search}`);
    if (url.pathname === '/api/auth/me') return json(personal);
    if (url.pathname === '/api/chat/stream') {
      stream = manualStream();
      return new Response(stream.stream, { headers: { 'Content-Type': 'text/event-stream' } });
    }
    if (url.pathname === '/api/search') {
      const q = url.searchParams.get('q') ?? '';
      const results = conversations
        .filter((c) => c.title.toLowerCase().includes(q))
        .map((c) => ({ conversation_id: c.id, title: c.title, updated_at: c.updated_at, message_id: 'm1', role: 'assistant', snippet: `la \u0002${q}\u0003 du maire` }));
      return json({ results });
    }
    if (url.pathname === '/api/conversations') {
      const q = url.searchParams.get('q')?.toLowerCase();
      const items = q ? conversations.filter((c) => c.title.toLowerCase().includes(q)) : conversations;
      return json({ items, next_cursor: null });
    }
    const id = decodeURIComponent(url.pathname.split('/').at(-1)!);
    const found = conversations.find((c) => c.id === id);
    if (!found) return json({ title: 'Introuvable', status: 404, detail: 'Conversation introuvable.', code: 'not_found' }, 404);
    if (method === 'PATCH') {
      found.title = JSON.parse(String(init!.body)).title;
      return json(found);
    }
    if (method === 'DELETE') {
      conversations = conversations.filter((c) => c !== found);
      return new Response(null, { status: 204 });
    }
    return json({
      ...found,
      messages: [
        { id: `${id}-u`, conversation_id: id, role: 'user', content: found.title, status: 'complete', stop_reason: null, input_tokens: null, output_tokens: null, created_at: '', version_count: 1 },
        { id: `${id}-a`, conversation_id: id, role: 'assistant', content: 'Réponse enregistrée', status: 'stopped', stop_reason: null, input_tokens: 120, output_tokens: 348, created_at: '', version_count: 2 },
      ],
    });
  });
  vi.stubGlobal('fetch', fetchMock);
  return {
    calls,
    get stream() {
      return stream!;
    },
    add: (c: ConversationSummary) => (conversations = [c, ...conversations]),
  };
}

beforeEach(() => {
  window.history.replaceState(null, '', '/');
  router.store.setState({ path: '/' });
  chatStore.setState({ messages: [], status: 'idle', conversationId: null, loadState: 'idle', loadError: null });
  conversationsStore.setState({ items: [], nextCursor: null, query: '', loading: false, error: null });
  vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => {
    queueMicrotask(() => cb(performance.now()));
    return 1;
  });
  vi.stubGlobal('cancelAnimationFrame', () => {});
});

afterEach(() => {
  chatStore.getState().newConversation();
  chatStore.setState(chatInitial, true);
  conversationsStore.setState(listInitial, true);
  vi.unstubAllGlobals();
});

const titles = () => screen.queryAllByTestId('conversation-item').map((item) => item.textContent);


describe('App: conversation history', () => {
  it('lists the conversations and opens one at /c/{id}, with its markers, tokens and versions', async () => {
    fakeServer();
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(titles()).toEqual(['Budget de la mairie', 'Lettre aux adhérents']));

    await user.click(screen.getByText('Budget de la mairie'));
    expect(window.location.pathname).toBe('/c/c1');
    const answer = await screen.findByTestId('message-assistant');
    expect(answer).toHaveAttribute('data-status', 'stopped');
    expect(screen.getByText('Réponse interrompue')).toBeInTheDocument();
    expect(screen.getByText('120 → 348 jetons')).toBeInTheDocument();
    expect(screen.getByLabelText('Version 2 sur 2')).toHaveTextContent('2/2');
    expect(screen.getByTestId('continue-button')).toBeInTheDocument();
    expect(screen.getByTestId('regenerate-button')).toBeInTheDocument();
    const items = screen.getAllByTestId('conversation-item');
    expect(items[0]).toHaveAttribute('aria-current', 'page');
    expect(items[1]).not.toHaveAttribute('aria-current');

    // Back: the new-conversation page again.
    act(() => {
      window.history.replaceState(null, '', '/');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
    expect(await screen.findByText('Bonjour, je suis THÉRÈSE.')).toBeInTheDocument();
    expect(chatStore.getState().conversationId).toBeNull();
  });

  it('searches titles and messages through the server after a pause in typing, and marks the words found', async () => {
    const server = fakeServer();
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(titles()).toHaveLength(2));
    await user.type(screen.getByRole('searchbox', { name: 'Rechercher dans les conversations' }), 'lettre');
    const result = await screen.findByTestId('search-result');
    expect(result).toHaveTextContent('Lettre aux adhérents');
    expect(within(result).getByText('lettre', { selector: 'mark' })).toBeInTheDocument();
    expect(server.calls.filter((c) => c.includes('q='))).toEqual(['GET /api/search?q=lettre&limit=30']);
  });

  it('renames inline: Enter saves, Escape cancels', async () => {
    const server = fakeServer();
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(titles()).toHaveLength(2));

    const first = screen.getAllByTestId('conversation-item')[0];
    await user.click(within(first).getByTestId('rename-conversation'));
    await user.keyboard('{Control>}a{/Control}Sans suite{Escape}');
    expect(titles()[0]).toBe('Budget de la mairie');

    await user.click(within(first).getByTestId('rename-conversation'));
    const field = screen.getByRole('textbox', { name: 'Nouveau titre de la conversation' });
    await user.clear(field);
    await user.type(field, 'Budget 2026{Enter}');
    await waitFor(() => expect(titles()[0]).toBe('Budget 2026'));
    expect(server.calls).toContain('PATCH /api/conversations/c1');
  });

  it('deletes only after confirmation, and leaves the open conversation', async () => {
    const server = fakeServer();
    window.history.replaceState(null, '', '/c/c2');
    router.store.setState({ path: '/c/c2' });
    const user = userEvent.setup();
    render(<App />);
    await screen.findByTestId('message-assistant');
    await waitFor(() => expect(titles()).toHaveLength(2));

    const second = screen.getAllByTestId('conversation-item')[1];
    await user.click(within(second).getByTestId('delete-conversation'));
    await user.click(screen.getByTestId('cancel-delete'));
    expect(server.calls.some((c) => c.startsWith('DELETE'))).toBe(false);

    await user.click(within(second).getByTestId('delete-conversation'));
    expect(screen.getByRole('alertdialog')).toHaveTextContent('Lettre aux adhérents');
    await user.click(screen.getByTestId('confirm-delete'));
    await waitFor(() => expect(titles()).toEqual(['Budget de la mairie']));
    expect(server.calls).toContain('DELETE /api/conversations/c2');
    expect(window.location.pathname).toBe('/');
    expect(await screen.findByText('Bonjour, je suis THÉRÈSE.')).toBeInTheDocument();
  });

  it('« Nouvelle conversation » and Ctrl+N go back to /', async () => {
    fakeServer();
    window.history.replaceState(null, '', '/c/c1');
    router.store.setState({ path: '/c/c1' });
    const user = userEvent.setup();
    render(<App />);
    await screen.findByTestId('message-assistant');

    await user.click(screen.getByTestId('new-conversation'));
    expect(window.location.pathname).toBe('/');
    expect(screen.queryByTestId('message-assistant')).toBeNull();

    await user.click(screen.getAllByTestId('conversation-item')[0].querySelector('a')!);
    await screen.findByTestId('message-assistant');
    const event = new KeyboardEvent('keydown', { key: 'n', ctrlKey: true, cancelable: true, bubbles: true });
    act(() => void window.dispatchEvent(event));
    expect(event.defaultPrevented).toBe(true);
    expect(window.location.pathname).toBe('/');
    expect(chatStore.getState().conversationId).toBeNull();
  });

  it('gives a new conversation its address and lists it after the first start', async () => {
    const server = fakeServer();
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(titles()).toHaveLength(2));
    await user.type(screen.getByTestId('chat-input'), 'Plan de communication{Enter}');
    server.add(summary('c9', 'Plan de communication'));
    act(() => server.stream.push(sseEvent({ type: 'start', content: '', conversation_id: 'c9', message_id: 'm9', conversation_title: 'Plan de communication' })));
    await waitFor(() => expect(window.location.pathname).toBe('/c/c9'));
    await waitFor(() => expect(titles()[0]).toBe('Plan de communication'));
    expect(screen.getAllByTestId('conversation-item')[0]).toHaveAttribute('aria-current', 'page');
    // The list refresh does not reload the conversation being written.
    expect(server.calls.filter((c) => c === 'GET /api/conversations/c9')).toEqual([]);
  });

  it('shows a French message for an unknown conversation, with a way back', async () => {
    fakeServer();
    window.history.replaceState(null, '', '/c/inconnue');
    router.store.setState({ path: '/c/inconnue' });
    render(<App />);
    expect(await screen.findByText("Cette conversation n’existe pas ou a été supprimée.")).toBeInTheDocument();
    fireEvent.click(within(screen.getByTestId('conversation-not-found')).getByRole('button', { name: 'Nouvelle conversation' }));
    expect(window.location.pathname).toBe('/');
    expect(await screen.findByText('Bonjour, je suis THÉRÈSE.')).toBeInTheDocument();
  });
});

// Last in the file: the page's requests answered 401 may settle after the test ends.
describe('App: access token', () => {
  afterEach(() => accessStore.setState({ required: false, submitting: false, error: null }));

  it('shows only the token form when the server asks for the access token', async () => {
    vi.stubGlobal('fetch', vi.fn(async () =>
      json({ status: 401, code: 'token_required', detail: 'THÉRÈSE demande un jeton d’accès.' }, 401)));
    render(<App />);
    expect(await screen.findByRole('heading', { name: 'Jeton d’accès' })).toBeInTheDocument();
    expect(screen.queryByTestId('chat-input')).toBeNull();
  });
});

describe('App: team mode', () => {
  const memberMe = { mode: 'team', id: 'u1', email: 'claire@mairie.fr', name: 'Claire', role: 'member', must_change_password: false };
  const settings = {
    provider: 'anthropic', model: 'claude-sonnet-4-5', base_url: null, api_key: { set: true, last4: 'abcd' }, max_tokens: 4096,
    system_prompt: '', default_system_prompt: '', configured: true, locked: [], sources: {},
  };

  function teamServer(signedIn = false) {
    const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input), 'http://localhost');
      const problem = { type: 'about:blank', title: 'Connexion requise', status: 401, detail: 'Connectez-vous pour continuer.', code: 'sign_in_required' };
      if (url.pathname === '/api/auth/login') {
        const body = JSON.parse(String(init!.body));
        if (body.password !== 'le-bon-mot-de-passe')
          return json({ title: 'Refusé', status: 401, detail: 'Adresse e-mail ou mot de passe incorrect.', code: 'invalid_credentials' }, 401);
        signedIn = true;
        return json(memberMe);
      }
      if (url.pathname === '/api/auth/setup') return json({ needed: false });
      if (!signedIn) return json(problem, 401);
      if (url.pathname === '/api/auth/me') return json(memberMe);
      if (url.pathname === '/api/settings') return json(settings);
      if (url.pathname === '/api/conversations') return json({ items: [summary('c1', 'Compte rendu du conseil')], next_cursor: null });
      return json({ title: 'Introuvable', status: 404, detail: 'Introuvable.', code: 'not_found' }, 404);
    });
    vi.stubGlobal('fetch', fetchMock);
  }

  beforeEach(() => {
    accessStore.setState({ required: false, error: null });
    accountStore.setState({ status: 'loading', me: null });
  });
  afterEach(() => accountStore.setState({ status: 'loading', me: null }));

  it('asks to sign in first, says so in French when refused, then opens the person’s own chat', async () => {
    teamServer();
    const user = userEvent.setup();
    render(<App />);
    expect(await screen.findByTestId('sign-in')).toBeInTheDocument();
    expect(screen.queryByTestId('chat-input')).not.toBeInTheDocument();

    await user.type(screen.getByTestId('sign-in-email'), 'claire@mairie.fr');
    await user.type(screen.getByTestId('sign-in-password'), 'pas-le-bon');
    await user.click(screen.getByTestId('sign-in-submit'));
    expect(await screen.findByTestId('sign-in-error')).toHaveTextContent('Adresse e-mail ou mot de passe incorrect.');

    await user.type(screen.getByTestId('sign-in-password'), 'le-bon-mot-de-passe');
    await user.click(screen.getByTestId('sign-in-submit'));
    expect(await screen.findByTestId('chat-input')).toBeInTheDocument();
    expect(screen.getByTestId('user-name')).toHaveTextContent('Claire');
    await waitFor(() => expect(titles()).toEqual(['Compte rendu du conseil']));
    // A member has no admin pages, and sees the model without being able to change it.
    expect(screen.queryByTestId('open-people')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('open-settings'));
    expect(await screen.findByTestId('model-summary-model')).toHaveTextContent('claude-sonnet-4-5');
    expect(screen.queryByTestId('model-form')).not.toBeInTheDocument();
  });

  it('an admin page typed by hand tells a member it is not theirs', async () => {
    teamServer(true);
    window.history.replaceState(null, '', '/admin/people');
    router.store.setState({ path: '/admin/people' });
    render(<App />);
    expect(await screen.findByTestId('admin-only')).toHaveTextContent('Cette page est réservée à l’administrateur de l’équipe.');
  });
});
