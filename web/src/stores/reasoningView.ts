import { useSyncExternalStore } from 'react';

/**
 * Whether each « Réflexion » block is open, kept outside the components: a block that re-renders, scrolls out of
 * the list's window and back, or whose answer is replaced by its saved copy keeps what the person chose. A block
 * nobody touched follows its answer: open while the model reasons, closed once the answer begins.
 */
type Choice = 'open' | 'closed';

const choices = new Map<string, Choice>();
const listeners = new Set<() => void>();

const emit = () => {
  for (const listener of listeners) listener();
};

export function setReasoningOpen(key: string, open: boolean): void {
  choices.set(key, open ? 'open' : 'closed');
  emit();
}

/** The block's state: the person's choice if they made one, otherwise open exactly while the model reasons. */
export function useReasoningOpen(key: string, live: boolean): boolean {
  const choice = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => choices.get(key),
  );
  return choice === undefined ? live : choice === 'open';
}

/** For tests: forget every choice. */
export function resetReasoningView(): void {
  choices.clear();
  emit();
}
