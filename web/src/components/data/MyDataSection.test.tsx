import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { importSummary, MyDataSection } from './MyDataSection';

afterEach(() => vi.unstubAllGlobals());

describe('MyDataSection', () => {
  it('deletes everything only once SUPPRIMER is typed, and says how much went', { timeout: 30_000 }, async () => {
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) =>
      url === '/api/me/data' && init?.method === 'DELETE'
        ? new Response(JSON.stringify({ conversations: 3 }), { status: 200, headers: { 'Content-Type': 'application/json' } })
        : new Response(JSON.stringify({ items: [], next_cursor: null }), { status: 200, headers: { 'Content-Type': 'application/json' } }),
    );
    vi.stubGlobal('fetch', fetchMock);
    localStorage.setItem('therese.draft.new', 'un brouillon');
    render(<MyDataSection />);

    const remove = screen.getByTestId('delete-my-data');
    expect(remove).toBeDisabled();
    const word = screen.getByTestId('delete-confirm-input');
    fireEvent.change(word, { target: { value: 'supprimer' } });
    expect(remove).toBeDisabled();
    fireEvent.change(word, { target: { value: 'SUPPRIMER' } });
    await userEvent.click(remove);

    await waitFor(() => expect(screen.getByTestId('delete-result')).toHaveTextContent('3 conversations supprimées, définitivement.'));
    const call = fetchMock.mock.calls.find(([url]) => url === '/api/me/data')!;
    expect(JSON.parse(call[1]!.body as string)).toEqual({ confirm: 'SUPPRIMER' });
    expect(localStorage.getItem('therese.draft.new')).toBeNull();
  });

  it('shows what an import did, or why it was refused', { timeout: 30_000 }, async () => {
    expect(importSummary({ imported: 2, skipped: 1, conversations: ['a', 'b'], parts_left_out: 0 })).toBe(
      '2 conversations importées ; 1 déjà présente ou vide, ignorée.',
    );
    expect(importSummary({ imported: 1, skipped: 0, conversations: ['a'], parts_left_out: 0 })).toBe('1 conversation importée.');

    vi.stubGlobal('fetch', vi.fn(async () =>
      new Response(JSON.stringify({ code: 'invalid_import', detail: 'Ce fichier n’est pas un JSON valide.' }), {
        status: 400,
        headers: { 'Content-Type': 'application/problem+json' },
      }),
    ));
    render(<MyDataSection />);
    await userEvent.upload(screen.getByTestId('import-file'), new File(['{'], 'casse.json', { type: 'application/json' }));
    await userEvent.click(screen.getByTestId('import-submit'));
    await waitFor(() => expect(screen.getByTestId('import-error')).toHaveTextContent('Ce fichier n’est pas un JSON valide.'));
  });
});
