import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import type { ChatMessage } from '../../stores/chatStore';
import { INITIAL_WINDOW, MessageList, WINDOW_STEP } from './MessageList';

const user: ChatMessage = { id: 'u', role: 'user', content: 'Question', status: 'complete' };
const answer = (content: string): ChatMessage => ({ id: 'a', role: 'assistant', content, status: 'streaming' });

/** jsdom has no layout: give the scroller a fixed box and a content height we control. */
function fakeLayout(el: HTMLElement, size: { scrollHeight: number }) {
  Object.defineProperty(el, 'clientHeight', { configurable: true, get: () => 500 });
  Object.defineProperty(el, 'scrollHeight', { configurable: true, get: () => size.scrollHeight });
}

describe('MessageList', () => {
  it('shows the thinking indicator instead of an empty answer', () => {
    render(<MessageList messages={[user, answer('')]} onRetry={vi.fn()} canRetry={false} />);
    expect(screen.getByTestId('thinking-indicator')).toHaveTextContent('THÉRÈSE réfléchit...');
    expect(screen.queryByTestId('message-assistant')).toBeNull();
  });

  it('follows the stream, stops when the user scrolls up, and resumes with ↓', () => {
    const size = { scrollHeight: 1000 };
    const { rerender } = render(<MessageList messages={[user, answer('a')]} onRetry={vi.fn()} canRetry={false} />);
    const list = screen.getByTestId('message-list');
    fakeLayout(list, size);

    size.scrollHeight = 1200;
    rerender(<MessageList messages={[user, answer('ab')]} onRetry={vi.fn()} canRetry={false} />);
    expect(list.scrollTop).toBe(1200);

    // The user scrolls up: no more following, the ↓ button appears.
    list.scrollTop = 100;
    fireEvent.scroll(list);
    size.scrollHeight = 1400;
    rerender(<MessageList messages={[user, answer('abc')]} onRetry={vi.fn()} canRetry={false} />);
    expect(list.scrollTop).toBe(100);
    const jump = screen.getByTestId('scroll-to-bottom');
    expect(jump).toHaveAccessibleName('Aller en bas');

    fireEvent.click(jump);
    expect(list.scrollTop).toBe(1400);
    expect(screen.queryByTestId('scroll-to-bottom')).toBeNull();
    size.scrollHeight = 1600;
    rerender(<MessageList messages={[user, answer('abcd')]} onRetry={vi.fn()} canRetry={false} />);
    expect(list.scrollTop).toBe(1600);
  });

  it('renders only the last messages of a 2,000-message conversation and adds earlier ones near the top', () => {
    const long: ChatMessage[] = Array.from({ length: 2000 }, (_, i) => ({
      id: `m${i}`,
      role: i % 2 === 0 ? 'user' : 'assistant',
      content: `Message ${i}`,
      status: 'complete',
    }));
    render(<MessageList messages={long} onRetry={vi.fn()} canRetry={false} />);
    const rendered = () => screen.getAllByTestId(/^message-(user|assistant)$/);
    expect(rendered()).toHaveLength(INITIAL_WINDOW);
    expect(rendered().at(-1)).toHaveTextContent('Message 1999');

    const list = screen.getByTestId('message-list');
    const size = { scrollHeight: 8000 };
    fakeLayout(list, size);
    list.scrollTop = 7000;
    fireEvent.scroll(list);
    expect(rendered()).toHaveLength(INITIAL_WINDOW);

    // Near the top: one more page, and the view stays on the same message.
    list.scrollTop = 100;
    fireEvent.scroll(list);
    expect(rendered()).toHaveLength(INITIAL_WINDOW + WINDOW_STEP);
    expect(rendered()[0]).toHaveTextContent(`Message ${2000 - INITIAL_WINDOW - WINDOW_STEP}`);

    fireEvent.click(screen.getByTestId('load-earlier'));
    expect(rendered()).toHaveLength(INITIAL_WINDOW + 2 * WINDOW_STEP);
  });
});
