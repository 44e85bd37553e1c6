import { createStore, useStore } from 'zustand';
import { proveAccessToken } from '../api/auth';
import { ApiError, onTokenRequired } from '../api/errors';

export interface AccessState {
  /** The server asked for the access token: the page shows its form instead of the app. */
  required: boolean;
  submitting: boolean;
  /** Why the last token was refused, in French. */
  error: string | null;
  require: () => void;
  /** Proves the token; on success the app starts again, now carrying the cookie. */
  submit: (token: string) => Promise<void>;
}

export interface AccessDeps {
  prove: (token: string) => Promise<void>;
  /** Loads the app again from the start, so every store reads the server with the cookie. */
  restart: () => void;
}

const defaultDeps: AccessDeps = {
  prove: (token) => proveAccessToken(token),
  restart: () => window.location.reload(),
};

export function createAccessStore(overrides: Partial<AccessDeps> = {}) {
  const deps: AccessDeps = { ...defaultDeps, ...overrides };
  return createStore<AccessState>()((set, get) => ({
    required: false,
    submitting: false,
    error: null,
    require: () => {
      if (!get().required) set({ required: true, error: null });
    },
    submit: async (token) => {
      const trimmed = token.trim();
      if (trimmed === '') {
        set({ error: 'Saisissez le jeton d’accès.' });
        return;
      }
      set({ submitting: true, error: null });
      try {
        await deps.prove(trimmed);
        set({ submitting: false });
        deps.restart();
      } catch (error) {
        set({
          submitting: false,
          error: error instanceof ApiError ? error.message : 'Le jeton n’a pas pu être vérifié. Réessayez.',
        });
      }
    },
  }));
}

export const accessStore = createAccessStore();
onTokenRequired(() => accessStore.getState().require());

export function useAccessStore<T>(selector: (state: AccessState) => T): T {
  return useStore(accessStore, selector);
}
