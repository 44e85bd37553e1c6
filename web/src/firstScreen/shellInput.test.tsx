import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { ChatInput } from '../components/chat/ChatInput';
import { holdShellInput } from './shellInput';

describe('the page’s own chat input', () => {
  it('hands what was typed before the app ran, and its caret, to the app’s input', () => {
    localStorage.clear();
    // index.html's input, typed into before React: "Bonjour" with the caret after "Bonj".
    const root = document.createElement('div');
    root.innerHTML = '<textarea data-shell data-testid="shell"></textarea>';
    document.body.append(root);
    const shell = root.querySelector('textarea')!;
    shell.value = 'Bonjour';
    shell.setSelectionRange(4, 4);
    holdShellInput();
    // React replaces the page's input with its own.
    root.remove();

    render(<ChatInput busy={false} onSend={() => {}} onStop={() => {}} />);
    const input = screen.getByTestId('chat-input') as HTMLTextAreaElement;
    expect(input).toHaveValue('Bonjour');
    expect([input.selectionStart, input.selectionEnd]).toEqual([4, 4]);
    expect(input).toHaveFocus();
  });
});
