import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import type { ChatMessage } from '../../stores/chatStore';
import { AnswerAnnouncer } from './AnswerAnnouncer';

const answer = (patch: Partial<ChatMessage>): ChatMessage => ({ id: 'a', role: 'assistant', content: '', status: 'streaming', ...patch });

describe('AnswerAnnouncer', () => {
  it('says nothing while tokens arrive, then announces the end with the first words', () => {
    const { rerender } = render(<AnswerAnnouncer messages={[answer({ content: 'Bonjour' })]} />);
    expect(screen.getByTestId('live-announcer')).toHaveTextContent('');
    rerender(<AnswerAnnouncer messages={[answer({ content: 'Bonjour, voici le budget.' })]} />);
    expect(screen.getByTestId('live-announcer')).toHaveTextContent('');
    rerender(<AnswerAnnouncer messages={[answer({ content: 'Bonjour, voici le budget.', status: 'complete' })]} />);
    expect(screen.getByTestId('live-announcer')).toHaveTextContent('Réponse terminée : Bonjour, voici le budget.');
    expect(screen.getByTestId('live-announcer')).toHaveAttribute('aria-live', 'polite');
  });

  it('announces a Stop and an error, and nothing for a conversation opened already ended', () => {
    const { rerender } = render(<AnswerAnnouncer messages={[answer({ status: 'complete', content: 'Ancien' })]} />);
    expect(screen.getByTestId('live-announcer')).toHaveTextContent('');
    rerender(<AnswerAnnouncer messages={[answer({ id: 'b', content: 'Dé' })]} />);
    rerender(<AnswerAnnouncer messages={[answer({ id: 'b', content: 'Dé', status: 'stopped' })]} />);
    expect(screen.getByTestId('live-announcer')).toHaveTextContent('Réponse arrêtée.');
    rerender(<AnswerAnnouncer messages={[answer({ id: 'c' })]} />);
    rerender(<AnswerAnnouncer messages={[answer({ id: 'c', status: 'error', error: { code: 'auth', message: 'Clé refusée.' } })]} />);
    expect(screen.getByTestId('live-announcer')).toHaveTextContent('La réponse a échoué : Clé refusée.');
  });
});

describe('AnswerAnnouncer and tools', () => {
  it('announces once a tool call that waits for the person, even on a page opened during the wait', () => {
    const waiting = {
      type: 'tool' as const,
      call_id: 'c1',
      server: 'courriel',
      name: 'envoyer_courriel',
      arguments: {},
      state: 'awaiting_approval' as const,
      ok: null,
      summary: null,
      result: null,
    };
    const { rerender } = render(<AnswerAnnouncer messages={[answer({ parts: [waiting] })]} />);
    expect(screen.getByTestId('live-announcer')).toHaveTextContent('THÉRÈSE demande l’autorisation d’utiliser courriel › envoyer_courriel.');
    rerender(<AnswerAnnouncer messages={[answer({ parts: [{ ...waiting, state: 'running' }] })]} />);
    rerender(<AnswerAnnouncer messages={[answer({ parts: [{ ...waiting, state: 'done' }], content: 'Envoyé.', status: 'complete' })]} />);
    expect(screen.getByTestId('live-announcer')).toHaveTextContent('Réponse terminée : Envoyé.');
  });
});
