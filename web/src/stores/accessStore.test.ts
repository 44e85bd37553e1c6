// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { ApiError, errorFromResponse } from '../api/errors';
import { accessStore, createAccessStore } from './accessStore';

const problem = (status: number, code: string, detail: string) =>
  new Response(JSON.stringify({ status, code, detail }), { status, headers: { 'Content-Type': 'application/problem+json' } });

describe('accessStore', () => {
  it('asks for the token as soon as any answer is 401 token_required, and for nothing else', async () => {
    expect(accessStore.getState().required).toBe(false);
    await errorFromResponse(problem(404, 'not_found', 'Cette conversation n’existe pas.'));
    await errorFromResponse(problem(401, 'auth', 'Le fournisseur a refusé la clé.'));
    expect(accessStore.getState().required).toBe(false);

    const error = await errorFromResponse(problem(401, 'token_required', 'THÉRÈSE demande un jeton d’accès.'));
    expect(error.code).toBe('token_required');
    expect(accessStore.getState().required).toBe(true);
  });

  it('proves the token, then starts the app again', async () => {
    const prove = vi.fn(async () => {});
    const restart = vi.fn();
    const store = createAccessStore({ prove, restart });
    store.getState().require();

    await store.getState().submit('  le-bon-jeton  ');

    expect(prove).toHaveBeenCalledWith('le-bon-jeton');
    expect(restart).toHaveBeenCalledTimes(1);
    expect(store.getState().error).toBeNull();
  });

  it('keeps the form with the server’s French reason when the token is wrong', async () => {
    const prove = vi.fn(async () => {
      throw new ApiError('token_invalid', 'Ce jeton d’accès n’est pas le bon.', 401);
    });
    const restart = vi.fn();
    const store = createAccessStore({ prove, restart });
    store.getState().require();

    await store.getState().submit('mauvais');

    expect(restart).not.toHaveBeenCalled();
    expect(store.getState().required).toBe(true);
    expect(store.getState().submitting).toBe(false);
    expect(store.getState().error).toBe('Ce jeton d’accès n’est pas le bon.');
  });

  it('sends nothing for an empty token', async () => {
    const prove = vi.fn(async () => {});
    const store = createAccessStore({ prove, restart: vi.fn() });
    await store.getState().submit('   ');
    expect(prove).not.toHaveBeenCalled();
    expect(store.getState().error).toBe('Saisissez le jeton d’accès.');
  });
});
