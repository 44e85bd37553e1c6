import { describe, expect, it, vi, beforeAll } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MessageItem } from './MessageItem';
import type { ChatMessage } from '../../stores/chatStore';
import { loadMarkdownRenderer } from './Markdown';

const assistant = (patch: Partial<ChatMessage>): ChatMessage => ({
  id: 'a',
  role: 'assistant',
  content: 'Réponse **partielle**',
  status: 'complete',
  ...patch,
});

// The Markdown pipeline loads after the page; these tests render it loaded.
beforeAll(async () => {
  await loadMarkdownRenderer();
});

describe('MessageItem', () => {
  it('renders a user message as plain text', () => {
    render(<MessageItem message={{ id: 'u', role: 'user', content: '<b>pas du HTML</b>', status: 'complete' }} />);
    expect(screen.getByTestId('message-user')).toHaveTextContent('<b>pas du HTML</b>');
  });

  it('shows the cursor only while streaming', () => {
    const { rerender } = render(<MessageItem message={assistant({ status: 'streaming' })} />);
    expect(screen.getByTestId('message-assistant')).toHaveAttribute('data-status', 'streaming');
    expect(screen.getByTestId('streaming-cursor')).toBeInTheDocument();
    rerender(<MessageItem message={assistant({ status: 'complete' })} />);
    expect(screen.queryByTestId('streaming-cursor')).toBeNull();
    expect(screen.getByTestId('message-content').querySelector('strong')).toHaveTextContent('partielle');
  });

  it('marks stopped and interrupted answers', () => {
    const { rerender } = render(<MessageItem message={assistant({ status: 'stopped' })} />);
    expect(screen.getByText('Réponse interrompue')).toBeInTheDocument();
    rerender(<MessageItem message={assistant({ status: 'interrupted' })} />);
    expect(screen.getByText('Réponse interrompue (THÉRÈSE a redémarré)')).toBeInTheDocument();
  });

  it('shows the error, keeps the partial text and offers Réessayer', async () => {
    const onRetry = vi.fn();
    render(
      <MessageItem
        message={assistant({ status: 'error', error: { code: 'overloaded', message: 'Le service est surchargé.' } })}
        onRetry={onRetry}
      />,
    );
    expect(screen.getByTestId('message-content')).toHaveTextContent('Réponse partielle');
    expect(screen.getByTestId('message-error')).toHaveTextContent('Le service est surchargé.');
    await userEvent.click(screen.getByTestId('retry-button'));
    expect(onRetry).toHaveBeenCalledOnce();
  });

  it('explains how to configure a model for not_configured', () => {
    render(
      <MessageItem
        message={assistant({
          content: '',
          status: 'error',
          error: { code: 'not_configured', message: 'Aucun modèle de langage n’est configuré.' },
        })}
      />,
    );
    expect(screen.getByTestId('message-error')).toHaveTextContent('Aucun modèle de langage n’est configuré.');
    expect(screen.getByText(/Choisissez le modèle qui répondra dans les Réglages/)).toBeInTheDocument();
  });

  it('« Copier » copies the Markdown source and says « Copié »', async () => {
    const user = userEvent.setup();
    const writeText = vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue();
    render(<MessageItem message={assistant({ usage: { input_tokens: 120, output_tokens: 348 } })} />);
    await user.click(screen.getByTestId('copy-button'));
    expect(writeText).toHaveBeenCalledWith('Réponse **partielle**');
    expect(screen.getByTestId('copy-button')).toHaveTextContent('Copié');
    expect(screen.getByText('120 → 348 jetons')).toBeInTheDocument();
  });

  it('offers Régénérer and Continuer only when given, and notes an answer still written on the server', async () => {
    const onContinue = vi.fn();
    const { rerender } = render(
      <MessageItem message={assistant({ status: 'stopped', saved: true })} onRegenerate={vi.fn()} onContinue={onContinue} />,
    );
    expect(screen.getByTestId('regenerate-button')).toHaveTextContent('Régénérer');
    await userEvent.setup().click(screen.getByTestId('continue-button'));
    expect(onContinue).toHaveBeenCalled();

    rerender(<MessageItem message={assistant({ status: 'complete', saved: true })} onContinue={onContinue} />);
    expect(screen.queryByTestId('continue-button')).toBeNull();
    expect(screen.queryByTestId('regenerate-button')).toBeNull();

    // Streaming (here or followed from another tab): the live cursor, no actions yet.
    rerender(<MessageItem message={assistant({ status: 'streaming', content: 'En cours' })} onContinue={onContinue} />);
    expect(screen.getByTestId('streaming-cursor')).toBeInTheDocument();
    expect(screen.queryByTestId('continue-button')).toBeNull();
  });
});
