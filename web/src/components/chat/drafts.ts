const prefix = 'therese.draft.';

/** In team mode, whose drafts these are: each person on a shared computer has their own. */
let owner = '';

/**
 * What the user typed and has not sent, per conversation (`new` for a new one), in local storage:
 * it survives a reload and a switch to another conversation. Storage full or off: nothing is kept,
 * nothing breaks.
 */
export const drafts = {
  /** Team mode: the person signed in (`null` in personal mode). */
  setOwner(userId: string | null): void {
    owner = userId ? `${userId}.` : '';
  },
  read(key: string): string {
    try {
      return localStorage.getItem(prefix + owner + key) ?? '';
    } catch {
      return '';
    }
  },
  write(key: string, text: string): void {
    try {
      if (text.trim() === '') localStorage.removeItem(prefix + owner + key);
      else localStorage.setItem(prefix + owner + key, text);
    } catch {
      // Quota exceeded or storage disabled.
    }
  },
  /** Signing out on a shared computer: that person's unsent text leaves with them. */
  forget(userId: string): void {
    try {
      const mine = `${prefix}${userId}.`;
      for (const key of Object.keys(localStorage)) if (key.startsWith(mine)) localStorage.removeItem(key);
    } catch {
      // Storage disabled: there is nothing to forget.
    }
  },
};
