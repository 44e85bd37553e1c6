import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ChatInput } from './ChatInput';

function setup(busy = false) {
  const onSend = vi.fn();
  const onStop = vi.fn();
  render(<ChatInput busy={busy} onSend={onSend} onStop={onStop} />);
  return { onSend, onStop, input: screen.getByTestId('chat-input'), user: userEvent.setup() };
}

describe('ChatInput', () => {
  it('has the French placeholder and labels', () => {
    const { input } = setup();
    expect(input).toHaveAttribute('placeholder', 'Message THÉRÈSE...');
    expect(input).toHaveAccessibleName('Votre message à THÉRÈSE');
    expect(screen.getByTestId('send-button')).toHaveAccessibleName('Envoyer');
  });

  it('sends on Enter, clears itself and keeps focus', async () => {
    const { input, onSend, user } = setup();
    await user.type(input, 'Bonjour THÉRÈSE{Enter}');
    expect(onSend).toHaveBeenCalledWith('Bonjour THÉRÈSE');
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
    expect(onSend).toHaveBeenCalledWith('   x');
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
});
