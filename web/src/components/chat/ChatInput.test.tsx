import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ChatInput } from './ChatInput';

function setup(busy = false) {
  const onSend = vi.fn();
  const onStop = vi.fn();
  render(<ChatInput busy={busy} onSend={onSend} onStop={onStop} />);
  return { onSend, onStop, input: screen.getByTestId('chat-input'), user: userEvent.setup() };
}

describe('ChatInput', () => {
  beforeEach(() => localStorage.clear());

  it('has the French placeholder and labels', () => {
    const { input } = setup();
    expect(input).toHaveAttribute('placeholder', 'Message THÉRÈSE...');
    expect(input).toHaveAccessibleName('Votre message à THÉRÈSE');
    expect(screen.getByTestId('send-button')).toHaveAccessibleName('Envoyer');
  });

  it('sends on Enter, clears itself and keeps focus', async () => {
    const { input, onSend, user } = setup();
    await user.type(input, 'Bonjour THÉRÈSE{Enter}');
    expect(onSend).toHaveBeenCalledWith('Bonjour THÉRÈSE', []);
    expect(input).toHaveValue('');
    expect(input).toHaveFocus();
  });

  it('adds a new line on Shift+Enter instead of sending', async () => {
    const { input, onSend, user } = setup();
    await user.type(input, 'Ligne 1{Shift>}{Enter}{/Shift}Ligne 2');
    expect(onSend).not.toHaveBeenCalled();
    expect(input).toHaveValue('Ligne 1\nLigne 2');
  });

  it('disables Send while the input is blank', async () => {
    const { input, onSend, user } = setup();
    const send = screen.getByTestId('send-button');
    expect(send).toBeDisabled();
    await user.type(input, '   {Enter}');
    expect(send).toBeDisabled();
    expect(onSend).not.toHaveBeenCalled();
    await user.type(input, 'x');
    expect(send).toBeEnabled();
    await user.click(send);
    expect(onSend).toHaveBeenCalledWith('   x', []);
  });

  it('shows Arrêter instead of Send while an answer streams', async () => {
    const { onStop, user } = setup(true);
    expect(screen.queryByTestId('send-button')).toBeNull();
    const stop = screen.getByTestId('stop-button');
    expect(stop).toHaveAccessibleName('Arrêter');
    await user.click(stop);
    expect(onStop).toHaveBeenCalledOnce();
  });

  it('does not send with Enter while an answer streams', async () => {
    const { input, onSend, user } = setup(true);
    await user.type(input, 'Suite{Enter}');
    expect(onSend).not.toHaveBeenCalled();
    expect(input).toHaveValue('Suite');
  });

  it('keeps the draft of each conversation across a remount and a switch', async () => {
    const user = userEvent.setup();
    const { unmount } = render(<ChatInput busy={false} onSend={() => {}} onStop={() => {}} draftKey="c1" />);
    await user.type(screen.getByTestId('chat-input'), 'Brouillon pour c1');
    unmount();

    const { rerender } = render(<ChatInput busy={false} onSend={() => {}} onStop={() => {}} draftKey="c1" />);
    expect(screen.getByTestId('chat-input')).toHaveValue('Brouillon pour c1');
    rerender(<ChatInput busy={false} onSend={() => {}} onStop={() => {}} draftKey="c2" />);
    expect(screen.getByTestId('chat-input')).toHaveValue('');
    rerender(<ChatInput busy={false} onSend={() => {}} onStop={() => {}} draftKey="c1" />);
    expect(screen.getByTestId('chat-input')).toHaveValue('Brouillon pour c1');
  });

  it('counts characters near the limit and refuses to send above it, saying why', () => {
    const onSend = vi.fn();
    render(<ChatInput busy={false} onSend={onSend} onStop={() => {}} />);
    const input = screen.getByTestId('chat-input');
    fireEvent.change(input, { target: { value: 'a'.repeat(95_000) } });
    expect(screen.getByTestId('length-counter')).toHaveTextContent('95 000 / 100 000 caractères');
    expect(screen.getByTestId('send-button')).toBeEnabled();

    fireEvent.change(input, { target: { value: 'a'.repeat(100_001) } });
    expect(screen.getByTestId('length-counter')).toHaveTextContent('le message est trop long');
    expect(screen.getByTestId('send-button')).toBeDisabled();
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
    expect(input).toHaveValue('a'.repeat(100_001));
  });

  it('ignores the second click of a double click on Send, which lands on Stop', async () => {
    const onStop = vi.fn();
    const user = userEvent.setup();
    const { rerender } = render(<ChatInput busy={false} onSend={() => {}} onStop={onStop} />);
    await user.type(screen.getByTestId('chat-input'), 'Question{Enter}');
    rerender(<ChatInput busy onSend={() => {}} onStop={onStop} />);
    // The browser numbers the clicks of one gesture: this is click 2 of a double click.
    fireEvent.click(screen.getByTestId('stop-button'), { detail: 2 });
    expect(onStop).not.toHaveBeenCalled();
  });

  it('stops on a separate click right after Send, however soon it comes', async () => {
    const onStop = vi.fn();
    const user = userEvent.setup();
    const { rerender } = render(<ChatInput busy={false} onSend={() => {}} onStop={onStop} />);
    await user.type(screen.getByTestId('chat-input'), 'Mauvaise question{Enter}');
    rerender(<ChatInput busy onSend={() => {}} onStop={onStop} />);
    fireEvent.click(screen.getByTestId('stop-button'), { detail: 1 });
    expect(onStop).toHaveBeenCalledOnce();
  });
});
