import { createStore, useStore } from 'zustand';
import { changePassword, createFirstAdmin, getMe, setupNeeded, signIn, signOut, type Me } from '../api/accounts';
import { ApiError, onSessionChange } from '../api/errors';
import { drafts } from '../components/chat/drafts';

/**
 * Who uses this THÉRÈSE. `personal`: one person, no sign-in. In team mode: `setup` (the first admin
 * is still to be created, from this machine), `signed_out`, `password` (a new password is required
 * before the chat opens), `signed_in`.
 */
export type AccountStatus = 'loading' | 'personal' | 'setup' | 'signed_out' | 'password' | 'signed_in' | 'unreachable';

export interface AccountState {
  status: AccountStatus;
  me: Me | null;
  load: () => Promise<void>;
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  changePassword: (current: string, next: string) => Promise<void>;
  createFirstAdmin: (email: string, name: string, password: string) => Promise<void>;
  /** The server said the session is over (401 sign_in_required on any call). */
  sessionEnded: () => void;
}

export interface AccountDeps {
  getMe: () => Promise<Me>;
  setupNeeded: () => Promise<boolean>;
  signIn: (email: string, password: string) => Promise<Me>;
  signOut: () => Promise<void>;
  changePassword: (current: string, next: string) => Promise<Me>;
  createFirstAdmin: (email: string, name: string, password: string) => Promise<Me>;
  /** Signing out on a shared computer: what the page holds of that person (unsent drafts) goes. */
  forget: (userId: string) => void;
  /** Starts the page again from `/`, so no store keeps anything of the previous person. */
  restart: () => void;
}

const defaultDeps: AccountDeps = {
  getMe: () => getMe(),
  setupNeeded: () => setupNeeded(),
  signIn,
  signOut: () => signOut(),
  changePassword,
  createFirstAdmin,
  forget: (userId) => drafts.forget(userId),
  restart: () => window.location.assign('/'),
};

const statusOf = (me: Me): AccountStatus => (me.mode === 'personal' ? 'personal' : me.must_change_password ? 'password' : 'signed_in');

export function createAccountStore(overrides: Partial<AccountDeps> = {}) {
  const deps: AccountDeps = { ...defaultDeps, ...overrides };
  // Whose session ended (401 on any call): someone else signing in next starts from a fresh page.
  let endedFor: string | null = null;
  return createStore<AccountState>()((set, get) => ({
    status: 'loading',
    me: null,
    load: async () => {
      try {
        const me = await deps.getMe();
        set({ me, status: statusOf(me) });
      } catch (error) {
        if (error instanceof ApiError && error.code === 'sign_in_required') {
          const setup = await deps.setupNeeded().catch(() => false);
          set({ me: null, status: setup ? 'setup' : 'signed_out' });
        } else if (error instanceof ApiError && error.code === 'token_required') {
          // The access token screen (personal mode exposed on a network) takes over.
          set({ me: null, status: 'personal' });
        } else {
          set({ me: null, status: 'unreachable' });
        }
      }
    },
    signIn: async (email, password) => {
      const me = await deps.signIn(email, password);
      const someoneElse = endedFor !== null && endedFor !== me.id;
      endedFor = null;
      set({ me, status: statusOf(me) });
      if (someoneElse) deps.restart();
    },
    signOut: async () => {
      const id = get().me?.id;
      await deps.signOut().catch(() => {});
      if (id) deps.forget(id);
      set({ me: null, status: 'signed_out' });
      deps.restart();
    },
    changePassword: async (current, next) => {
      const me = await deps.changePassword(current, next);
      set({ me, status: statusOf(me) });
    },
    createFirstAdmin: async (email, name, password) => {
      const me = await deps.createFirstAdmin(email, name, password);
      set({ me, status: statusOf(me) });
    },
    sessionEnded: () => {
      const state = get();
      if (state.status === 'personal' || state.status === 'signed_out') return;
      endedFor = state.me?.id ?? endedFor;
      set({ me: null, status: 'signed_out' });
    },
  }));
}

export const accountStore = createAccountStore();
// Each person's drafts are their own.
accountStore.subscribe((state) => drafts.setOwner(state.me?.mode === 'team' ? state.me.id : null));
onSessionChange((code) => {
  if (code === 'sign_in_required') accountStore.getState().sessionEnded();
  else void accountStore.getState().load();
});

export function useAccountStore<T>(selector: (state: AccountState) => T): T {
  return useStore(accountStore, selector);
}
