import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { chatStore } from '../../stores/chatStore';
import { manualStream, problemResponse, sseEvent } from '../../test/sse';
import { ChatView } from './ChatView';

const initial = chatStore.getState();

beforeEach(() => {
  chatStore.setState({ messages: [], status: 'idle', conversationId: null });
  // Frames run immediately: this suite checks what is shown, the store suite checks batching.
  vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => {
    queueMicrotask(() => cb(performance.now()));
    return 1;
  });
  vi.stubGlobal('cancelAnimationFrame', () => {});
});

afterEach(() => {
  chatStore.getState().stop();
  chatStore.setState(initial, true);
  vi.unstubAllGlobals();
});

function serve(response: Response) {
  const fetchMock = vi.fn(async () => response);
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

describe('ChatView', () => {
  it('welcomes the user in French', () => {
    render(<ChatView />);
    expect(screen.getByText('Bonjour, je suis THÉRÈSE.')).toBeInTheDocument();
    expect(screen.getByText('Comment puis-je vous aider ?')).toBeInTheDocument();
  });

  it('shows the message, then THÉRÈSE réfléchit... until the first token, then the answer', async () => {
    const sse = manualStream();
    serve(new Response(sse.stream, { headers: { 'Content-Type': 'text/event-stream' } }));
    const user = userEvent.setup();
    render(<ChatView />);

    await user.type(screen.getByTestId('chat-input'), 'Bonjour{Enter}');
    expect(screen.getByTestId('message-user')).toHaveTextContent('Bonjour');
    expect(screen.getByTestId('thinking-indicator')).toHaveTextContent('THÉRÈSE réfléchit');
    expect(screen.getByTestId('stop-button')).toBeInTheDocument();

    act(() => sse.push(sseEvent({ type: 'start', content: '', conversation_id: 'c1', message_id: 'm1' })));
    await waitFor(() => expect(chatStore.getState().conversationId).toBe('c1'));
    expect(screen.getByTestId('thinking-indicator')).toBeInTheDocument();

    act(() => sse.push(sseEvent({ type: 'delta', content: 'Bonjour ! ' })));
    const answer = await screen.findByTestId('message-assistant');
    expect(screen.queryByTestId('thinking-indicator')).toBeNull();
    expect(answer).toHaveAttribute('data-status', 'streaming');
    expect(screen.getByTestId('streaming-cursor')).toBeInTheDocument();

    act(() => {
      sse.push(sseEvent({ type: 'delta', content: 'Comment allez-vous ?' }));
      sse.push(sseEvent({ type: 'done', content: '', stop_reason: 'end_turn' }));
      sse.push('data: [DONE]\n\n');
      sse.close();
    });
    await waitFor(() => expect(answer).toHaveAttribute('data-status', 'complete'));
    expect(screen.getByTestId('message-content')).toHaveTextContent('Bonjour ! Comment allez-vous ?');
    expect(screen.queryByTestId('streaming-cursor')).toBeNull();
    expect(screen.getByTestId('send-button')).toBeInTheDocument();
  });

  it('Escape stops the answer and keeps the partial text', async () => {
    const sse = manualStream();
    serve(new Response(sse.stream, { headers: { 'Content-Type': 'text/event-stream' } }));
    const user = userEvent.setup();
    render(<ChatView />);

    await user.type(screen.getByTestId('chat-input'), 'Raconte{Enter}');
    act(() => {
      sse.push(sseEvent({ type: 'start', content: '', conversation_id: 'c1', message_id: 'm1' }));
      sse.push(sseEvent({ type: 'delta', content: 'Il était une fois' }));
    });
    await screen.findByTestId('message-assistant');
    await user.keyboard('{Escape}');

    const answer = screen.getByTestId('message-assistant');
    expect(answer).toHaveAttribute('data-status', 'stopped');
    expect(answer).toHaveTextContent('Il était une fois');
    expect(screen.getByText('Réponse interrompue')).toBeInTheDocument();
    expect(screen.getByTestId('chat-input')).toHaveFocus();
    expect(screen.getByTestId('send-button')).toBeInTheDocument();
  });

  it('shows a not_configured answer with its hint and a working Réessayer', async () => {
    const fetchMock = serve(problemResponse(503, 'not_configured', 'Aucun modèle de langage n’est configuré.'));
    const user = userEvent.setup();
    render(<ChatView />);
    await user.type(screen.getByTestId('chat-input'), 'Bonjour{Enter}');

    expect(await screen.findByTestId('message-error')).toHaveTextContent('Aucun modèle de langage n’est configuré.');
    expect(screen.getByText(/Choisissez le modèle qui répondra dans les Réglages/)).toBeInTheDocument();
    expect(screen.getByTestId("open-settings-from-error")).toHaveTextContent("Ouvrir les Réglages");
    expect(screen.getByTestId('message-assistant')).toHaveAttribute('data-status', 'error');

    const sse = manualStream();
    fetchMock.mockResolvedValueOnce(new Response(sse.stream, { status: 200 }));
    await user.click(screen.getByTestId('retry-button'));
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(screen.queryByTestId('message-error')).toBeNull();
    expect(screen.getAllByTestId('message-user')).toHaveLength(1);
    expect(screen.getByTestId('thinking-indicator')).toBeInTheDocument();
  });
});
