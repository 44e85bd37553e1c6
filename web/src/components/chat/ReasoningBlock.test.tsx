import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetReasoningView } from '../../stores/reasoningView';
import { piecesOf } from './MessageItem';
import { ReasoningBlock, reasoningLabel } from './ReasoningBlock';

describe('ReasoningBlock', () => {
  beforeEach(() => resetReasoningView());

  it('says how long the model thought, in French', () => {
    expect(reasoningLabel(400)).toBe('A réfléchi pendant moins d’une seconde');
    expect(reasoningLabel(12_300)).toBe('A réfléchi pendant 12 s');
    expect(reasoningLabel(65_000)).toBe('A réfléchi pendant 1 min 5 s');
    expect(reasoningLabel(120_000)).toBe('A réfléchi pendant 2 min');
    expect(reasoningLabel(null)).toBe('Réflexion');
  });

  it('is open while the model reasons, closes by itself when the answer begins, and a click opens it again', async () => {
    const { rerender } = render(<ReasoningBlock viewKey="m:0" text="Je pèse le pour." durationMs={null} live />);
    expect(screen.getByTestId('reasoning-label')).toHaveTextContent('Réflexion en cours…');
    expect(screen.getByTestId('reasoning-text')).toHaveTextContent('Je pèse le pour.');

    rerender(<ReasoningBlock viewKey="m:0" text="Je pèse le pour." durationMs={12_000} live={false} />);
    expect(screen.getByTestId('reasoning-label')).toHaveTextContent('A réfléchi pendant 12 s');
    expect(screen.queryByTestId('reasoning-text')).toBeNull();
    expect(screen.getByTestId('reasoning-toggle')).toHaveAttribute('aria-expanded', 'false');

    await userEvent.click(screen.getByTestId('reasoning-toggle'));
    expect(screen.getByTestId('reasoning-text')).toHaveTextContent('Je pèse le pour.');
  });

  it('keeps the person’s choice across a remount (the list renders a window of messages)', async () => {
    const first = render(<ReasoningBlock viewKey="m:0" text="Idée" durationMs={null} live />);
    await userEvent.click(screen.getByTestId('reasoning-toggle'));
    expect(screen.queryByTestId('reasoning-text')).toBeNull();
    first.unmount();
    render(<ReasoningBlock viewKey="m:0" text="Idée encore" durationMs={null} live />);
    expect(screen.queryByTestId('reasoning-text')).toBeNull();
  });

  it('stays open when the answer begins while the person is reading it', () => {
    const { rerender } = render(<ReasoningBlock viewKey="m:1" text="Lecture" durationMs={null} live />);
    act(() => screen.getByTestId('reasoning-toggle').focus());
    rerender(<ReasoningBlock viewKey="m:1" text="Lecture" durationMs={3000} live={false} />);
    expect(screen.getByTestId('reasoning-text')).toHaveTextContent('Lecture');
  });

  it('shows Claude’s consecutive thinking blocks as one, with their durations added', () => {
    expect(
      piecesOf([
        { type: 'reasoning', text: 'Un', duration_ms: 1000 },
        { type: 'reasoning', text: '', duration_ms: 0 },
        { type: 'reasoning', text: 'Deux', duration_ms: 2000 },
        { type: 'text', text: 'Réponse' },
      ]),
    ).toEqual([
      { kind: 'reasoning', text: 'Un\n\nDeux', durationMs: 3000 },
      { kind: 'text', text: 'Réponse' },
    ]);
  });
});
