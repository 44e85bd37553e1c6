import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ChatMessage } from '../../stores/chatStore';
import type { ToolPart } from '../../stores/messageParts';
import { resetReasoningView } from '../../stores/reasoningView';
import { loadMarkdownRenderer } from './Markdown';
import { MessageItem } from './MessageItem';
import { ToolApprovalCard, ToolStep } from './ToolStep';

const tool = (patch: Partial<ToolPart> = {}): ToolPart => ({
  type: 'tool',
  call_id: 'c1',
  server: 'agenda',
  name: 'prochains_rendez_vous',
  arguments: { jours: 7 },
  state: 'running',
  ok: null,
  summary: null,
  result: null,
  ...patch,
});

beforeAll(async () => {
  await loadMarkdownRenderer();
});
afterEach(() => resetReasoningView());

describe('ToolStep', () => {
  it('says which tool THÉRÈSE is using while it runs', () => {
    render(<ToolStep messageId="m" tool={tool()} />);
    expect(screen.getByTestId('tool-step')).toHaveTextContent('THÉRÈSE utilise agenda › prochains_rendez_vous…');
  });

  it('once done, is one closed line with ✓ that opens on the arguments and the result, as plain text', async () => {
    const hostile = '<img src=x onerror="alert(1)"> voir https://mairie.example.fr/agenda et javascript:alert(1)';
    render(<ToolStep messageId="m" tool={tool({ state: 'done', ok: true, summary: 'court', result: hostile, arguments: { q: '<b>gras</b>' } })} />);
    const toggle = screen.getByTestId('tool-step-toggle');
    expect(toggle).toHaveTextContent('agenda › prochains_rendez_vous✓');
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByTestId('tool-step-details')).toBeNull();

    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByTestId('tool-step-arguments')).toHaveTextContent('"q": "<b>gras</b>"');
    const result = screen.getByTestId('tool-step-result');
    expect(result).toHaveTextContent(hostile);
    expect(result.querySelector('img, b')).toBeNull();
    const links = result.querySelectorAll('a');
    expect(links).toHaveLength(1);
    expect(links[0]).toHaveAttribute('href', 'https://mairie.example.fr/agenda');
    expect(links[0]).toHaveAttribute('rel', 'noopener noreferrer nofollow');
  });

  it('marks a live result known only by its first 200 characters as cut', async () => {
    const { rerender } = render(<ToolStep messageId="m" tool={tool({ state: 'done', ok: true, summary: 'a'.repeat(200) })} />);
    await userEvent.click(screen.getByTestId('tool-step-toggle'));
    expect(screen.getByTestId('tool-step-result').textContent).toBe(`${'a'.repeat(200)}…`);
    rerender(<ToolStep messageId="m" tool={tool({ state: 'done', ok: true, summary: 'a'.repeat(200), result: 'a'.repeat(300) })} />);
    expect(screen.getByTestId('tool-step-result').textContent).toBe('a'.repeat(300));
  });

  it('shows a failed, refused or cancelled call with ✗ and says so in French', async () => {
    const { rerender } = render(<ToolStep messageId="m" tool={tool({ state: 'failed', ok: false, summary: 'Le serveur agenda ne répond pas.' })} />);
    expect(screen.getByTestId('tool-step-toggle')).toHaveTextContent('agenda › prochains_rendez_vous✗');
    expect(screen.getByTestId('tool-step-toggle')).toHaveTextContent('(échec)');
    await userEvent.click(screen.getByTestId('tool-step-toggle'));
    expect(screen.getByTestId('tool-step-result')).toHaveTextContent('Le serveur agenda ne répond pas.');

    rerender(<ToolStep messageId="m" tool={tool({ state: 'refused', ok: false })} />);
    expect(screen.getByTestId('tool-step-toggle')).toHaveTextContent('(refusé)');
    expect(screen.getByTestId('tool-step-result')).toHaveTextContent('Vous avez refusé cet appel.');

    rerender(<ToolStep messageId="m" tool={tool({ state: 'cancelled' })} />);
    expect(screen.getByTestId('tool-step-toggle')).toHaveTextContent('(annulé)');
    expect(screen.getByTestId('tool-step-result')).toHaveTextContent('L’appel a été annulé avec la réponse.');
  });

  it('shows steps in order with the reasoning and the text of the answer', () => {
    const message: ChatMessage = {
      id: 'm',
      role: 'assistant',
      content: 'Mardi.',
      status: 'complete',
      parts: [
        { type: 'reasoning', text: 'Je regarde.', duration_ms: 2000 },
        tool({ state: 'done', ok: true, summary: 'ok' }),
        { type: 'text', text: 'Mardi.' },
      ],
    };
    render(<MessageItem message={message} />);
    const order = [...screen.getByTestId('message-assistant').querySelectorAll('[data-testid="reasoning"], [data-testid="tool-step"], [data-testid="message-content"]')];
    expect(order.map((el) => el.getAttribute('data-testid'))).toEqual(['reasoning', 'tool-step', 'message-content']);
  });
});

describe('ToolApprovalCard', () => {
  const waiting = tool({ server: 'courriel', name: 'envoyer_courriel', state: 'awaiting_approval', arguments: { a: 'maire@example.fr' }, description: 'Envoie un courriel <b>au</b> destinataire.' });

  it('says what the tool will do, with its arguments, and takes the focus', () => {
    render(<ToolApprovalCard messageId="m" tool={waiting} decide={vi.fn()} />);
    const card = screen.getByTestId('tool-approval');
    expect(card).toHaveTextContent('THÉRÈSE demande l’autorisation d’utiliser courriel › envoyer_courriel.');
    expect(screen.getByTestId('tool-approval-description')).toHaveTextContent('Envoie un courriel <b>au</b> destinataire.');
    expect(screen.getByTestId('tool-approval-arguments')).toHaveTextContent('"a": "maire@example.fr"');
    expect(screen.getByRole('button', { name: 'Autoriser' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Refuser' })).toBeInTheDocument();
    expect(card).toHaveFocus();
  });

  it('shown again from the saved answer without its description, reads it from the list of tools', async () => {
    vi.stubGlobal('fetch', vi.fn(async () =>
      new Response(JSON.stringify({
        provider_supports_tools: true,
        servers: [{ name: 'courriel', transport: 'stdio', source: 'config', locked: true, state: 'connected', reason: null, tools: [
          { name: 'envoyer_courriel', description: 'Envoie un courriel au nom de la mairie.', needs_approval: true, read_only: false, approval_override: null },
        ] }],
      }), { status: 200, headers: { 'Content-Type': 'application/json' } }),
    ));
    render(<ToolApprovalCard messageId="m" tool={{ ...waiting, description: undefined }} decide={vi.fn()} />);
    expect(await screen.findByTestId('tool-approval-description')).toHaveTextContent('Envoie un courriel au nom de la mairie.');
    vi.unstubAllGlobals();
  });

  it('leaves the focus where the person is typing', () => {
    const box = document.createElement('textarea');
    box.value = 'Et aussi…';
    document.body.appendChild(box);
    box.focus();
    render(<ToolApprovalCard messageId="m" tool={waiting} decide={vi.fn()} />);
    expect(box).toHaveFocus();
    box.remove();
  });

  it('once decided with its buttons, hands the focus to the step that replaces it', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 204 })));
    const { rerender } = render(<ToolStep messageId="m" tool={waiting} />);
    expect(screen.getByTestId('tool-approval')).toHaveFocus();
    await userEvent.click(screen.getByRole('button', { name: 'Autoriser' }));
    await act(async () => {});
    expect(fetch).toHaveBeenCalledWith('/api/chat/stream/m/tools/c1', expect.objectContaining({ body: '{"approve":true}' }));
    // The stream (or the store) moves the call on: the card gives way to the running step, which gets the focus.
    rerender(<ToolStep messageId="m" tool={{ ...waiting, state: 'running' }} />);
    expect(screen.getByTestId('tool-step')).toHaveFocus();
    // Then the closed step, its toggle.
    rerender(<ToolStep messageId="m" tool={{ ...waiting, state: 'done', ok: true, summary: 'Envoyé.' }} />);
    expect(screen.getByTestId('tool-step-toggle')).toHaveFocus();
    vi.unstubAllGlobals();
  });

  it('sends the decision, and shows the French sentence of a failure', async () => {
    let finish: (value: string | null) => void = () => {};
    const decide = vi.fn(() => new Promise<string | null>((resolve) => (finish = resolve)));
    render(<ToolApprovalCard messageId="m" tool={waiting} decide={decide} />);
    await userEvent.click(screen.getByRole('button', { name: 'Refuser' }));
    expect(decide).toHaveBeenCalledWith('c1', false);
    expect(screen.getByRole('button', { name: 'Autoriser' })).toHaveAttribute('aria-disabled', 'true');
    // A second click while the first decision travels sends nothing more.
    await userEvent.click(screen.getByRole('button', { name: 'Autoriser' }));
    expect(decide).toHaveBeenCalledTimes(1);
    await act(async () => finish('Cette demande a déjà reçu une réponse.'));
    expect(screen.getByRole('alert')).toHaveTextContent('Cette demande a déjà reçu une réponse.');
    expect(screen.getByRole('button', { name: 'Autoriser' })).toHaveAttribute('aria-disabled', 'false');

    await userEvent.click(screen.getByRole('button', { name: 'Autoriser' }));
    expect(decide).toHaveBeenLastCalledWith('c1', true);
    await act(async () => finish(null));
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
