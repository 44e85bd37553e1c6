import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { accessStore } from '../../stores/accessStore';
import { AccessTokenForm } from './AccessTokenForm';

const problem = (status: number, code: string, detail: string) =>
  new Response(JSON.stringify({ status, code, detail }), { status, headers: { 'Content-Type': 'application/problem+json' } });

describe('AccessTokenForm', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    accessStore.setState({ required: false, submitting: false, error: null });
  });

  it('posts the typed token and shows the server’s reason when it is wrong', async () => {
    const fetchMock = vi.fn(async () => problem(401, 'token_invalid', 'Ce jeton d’accès n’est pas le bon.'));
    vi.stubGlobal('fetch', fetchMock);
    accessStore.getState().require();
    render(<AccessTokenForm />);

    expect(screen.getByRole('heading', { name: 'Jeton d’accès' })).toBeInTheDocument();
    const input = screen.getByLabelText('Jeton d’accès');
    expect(input).toHaveAttribute('type', 'password');
    await userEvent.type(input, 'mauvais-jeton{Enter}');

    expect(await screen.findByRole('alert')).toHaveTextContent('Ce jeton d’accès n’est pas le bon.');
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/auth/token');
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual({ token: 'mauvais-jeton' });
    expect(screen.getByTestId('access-token-submit')).toBeEnabled();
  });
});
