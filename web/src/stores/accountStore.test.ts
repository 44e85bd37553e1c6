// @vitest-environment jsdom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Me } from '../api/accounts';
import { ApiError, errorFromResponse } from '../api/errors';
import { drafts } from '../components/chat/drafts';
import { accountStore, createAccountStore, type AccountDeps } from './accountStore';

const member = (id = 'u1', mustChange = false): Me => ({
  mode: 'team',
  id,
  email: `${id}@mairie.fr`,
  name: `Personne ${id}`,
  role: 'member',
  must_change_password: mustChange,
});
const signInRequired = () => new ApiError('sign_in_required', 'Connectez-vous pour continuer.', 401);

function deps(overrides: Partial<AccountDeps> = {}): AccountDeps {
  return {
    getMe: vi.fn(async () => member()),
    setupNeeded: vi.fn(async () => false),
    signIn: vi.fn(async () => member()),
    signOut: vi.fn(async () => {}),
    changePassword: vi.fn(async () => member()),
    createFirstAdmin: vi.fn(async () => ({ ...member('admin'), role: 'admin' as const })),
    forget: vi.fn(),
    restart: vi.fn(),
    ...overrides,
  };
}

beforeEach(() => localStorage.clear());

describe('accountStore', () => {
  it('personal mode opens the app at once', async () => {
    const store = createAccountStore(deps({ getMe: async () => ({ mode: 'personal', id: null, email: null, name: null, role: null, must_change_password: false }) }));
    await store.getState().load();
    expect(store.getState().status).toBe('personal');
  });

  it('team mode without a session: the sign-in, or the first admin to create when there is none', async () => {
    const signedOut = createAccountStore(deps({ getMe: async () => Promise.reject(signInRequired()) }));
    await signedOut.getState().load();
    expect(signedOut.getState().status).toBe('signed_out');

    const setup = createAccountStore(deps({ getMe: async () => Promise.reject(signInRequired()), setupNeeded: async () => true }));
    await setup.getState().load();
    expect(setup.getState().status).toBe('setup');
  });

  it('a server that does not answer is said so, not mistaken for a sign-in', async () => {
    const store = createAccountStore(deps({ getMe: async () => Promise.reject(new TypeError('Failed to fetch')) }));
    await store.getState().load();
    expect(store.getState().status).toBe('unreachable');
  });

  it('a temporary password must be changed before the chat opens', async () => {
    const d = deps({ signIn: async () => member('u1', true), changePassword: async () => member('u1', false) });
    const store = createAccountStore(d);
    await store.getState().signIn('u1@mairie.fr', 'provisoire-123');
    expect(store.getState().status).toBe('password');
    await store.getState().changePassword('provisoire-123', 'un-nouveau-mot-de-passe');
    expect(store.getState().status).toBe('signed_in');
  });

  it('signing out forgets that person and starts the page again', async () => {
    const d = deps();
    const store = createAccountStore(d);
    await store.getState().load();
    await store.getState().signOut();
    expect(d.signOut).toHaveBeenCalled();
    expect(d.forget).toHaveBeenCalledWith('u1');
    expect(d.restart).toHaveBeenCalledTimes(1);
    expect(store.getState()).toMatchObject({ status: 'signed_out', me: null });
  });

  it('after a session ends, the same person signs in again in place; someone else gets a fresh page', async () => {
    const d = deps();
    const store = createAccountStore(d);
    await store.getState().load();
    store.getState().sessionEnded();
    expect(store.getState().status).toBe('signed_out');
    await store.getState().signIn('u1@mairie.fr', 'x');
    expect(d.restart).not.toHaveBeenCalled();

    store.getState().sessionEnded();
    vi.mocked(d.signIn).mockResolvedValueOnce(member('u2'));
    await store.getState().signIn('u2@mairie.fr', 'x');
    expect(d.restart).toHaveBeenCalledTimes(1);
  });

  it('any request answered 401 sign_in_required ends the session on screen', async () => {
    accountStore.setState({ status: 'signed_in', me: member() });
    await errorFromResponse(new Response(JSON.stringify({ code: 'sign_in_required', detail: 'Connectez-vous.' }), { status: 401, headers: { 'Content-Type': 'application/problem+json' } }));
    expect(accountStore.getState().status).toBe('signed_out');
  });
});

describe('drafts', () => {
  it('are each person’s own, and leave with them', () => {
    drafts.setOwner('u1');
    drafts.write('new', 'Brouillon de u1');
    drafts.setOwner('u2');
    expect(drafts.read('new')).toBe('');
    drafts.write('new', 'Brouillon de u2');
    drafts.forget('u1');
    expect(drafts.read('new')).toBe('Brouillon de u2');
    drafts.setOwner('u1');
    expect(drafts.read('new')).toBe('');
    drafts.setOwner(null);
  });
});
