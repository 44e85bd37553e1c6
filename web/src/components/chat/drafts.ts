const prefix = 'therese.draft.';

/**
 * What the user typed and has not sent, per conversation (`new` for a new one), in local storage:
 * it survives a reload and a switch to another conversation. Storage full or off: nothing is kept,
 * nothing breaks.
 */
export const drafts = {
  read(key: string): string {
    try {
      return localStorage.getItem(prefix + key) ?? '';
    } catch {
      return '';
    }
  },
  write(key: string, text: string): void {
    try {
      if (text.trim() === '') localStorage.removeItem(prefix + key);
      else localStorage.setItem(prefix + key, text);
    } catch {
      // Quota exceeded or storage disabled.
    }
  },
};
