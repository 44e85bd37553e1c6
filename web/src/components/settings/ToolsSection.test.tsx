import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ToolServer, ToolsOverview } from '../../api/tools';
import { ToolsSection } from './ToolsSection';
import { definitionFromForm, emptyServerForm } from './toolsForm';

afterEach(() => vi.unstubAllGlobals());

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' } });

const agenda: ToolServer = {
  name: 'agenda',
  transport: 'stdio',
  source: 'config',
  locked: true,
  state: 'connected',
  reason: null,
  command: 'dotnet',
  args: ['Therese.McpDemo.dll'],
  env_keys: ['JETON'],
  tools: [
    { name: 'date_du_jour', description: 'La date à Paris.', needs_approval: false, read_only: true, approval_override: null },
    { name: 'envoyer_courriel', description: 'Envoie un courriel.', needs_approval: true, read_only: false, approval_override: null },
  ],
};
const documents: ToolServer = {
  name: 'documents',
  transport: 'http',
  source: 'settings',
  locked: false,
  state: 'failed',
  reason: 'Le serveur ne répond pas.',
  url: 'https://docs.mairie.example/mcp',
  header_keys: ['Authorization'],
  tools: [],
};

function serve(overview: ToolsOverview, routes: Record<string, (init?: RequestInit) => Response> = {}) {
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    const key = `${init?.method ?? 'GET'} ${url}`;
    if (routes[key]) return routes[key](init);
    if (key === 'GET /api/tools') return json(overview);
    return json({ detail: `route inattendue ${key}` }, 500);
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

describe('ToolsSection', () => {
  it('lists the servers with their state, French reason and tools; a configured one is read-only', async () => {
    serve({ servers: [agenda, documents], provider_supports_tools: true });
    render(<ToolsSection readOnly={false} />);
    const [first, second] = await screen.findAllByTestId('tool-server');

    expect(within(first).getByTestId('tool-server-state')).toHaveTextContent('Connecté');
    expect(within(first).getByTestId('tool-server-locked')).toHaveTextContent('Défini par la configuration');
    expect(within(first).queryByTestId('tool-server-remove')).toBeNull();
    const badges = within(first).getAllByTestId('tool-approval-badge').map((b) => b.textContent);
    expect(badges).toEqual(['Lecture seule', 'Demande une autorisation']);

    expect(within(second).getByTestId('tool-server-state')).toHaveTextContent('En échec : Le serveur ne répond pas.');
    expect(within(second).getByText(/https:\/\/docs\.mairie\.example\/mcp/)).toBeInTheDocument();
    expect(within(second).getByTestId('tool-server-remove')).toBeInTheDocument();
    expect(screen.queryByTestId('tools-local-model')).toBeNull();
  });

  it('says the local model uses no tools', async () => {
    serve({ servers: [agenda], provider_supports_tools: false });
    render(<ToolsSection readOnly={false} />);
    expect(await screen.findByTestId('tools-local-model')).toHaveTextContent('Le modèle local n’utilise pas d’outils.');
  });

  it('shows a member of a team the list without any control', async () => {
    serve({ servers: [agenda, documents], provider_supports_tools: true });
    render(<ToolsSection readOnly />);
    await screen.findAllByTestId('tool-server');
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.queryByRole('combobox')).toBeNull();
    expect(screen.queryByTestId('tool-server-add')).toBeNull();
  });

  it('adds a program with its arguments and variables, then tests and removes it', { timeout: 30_000 }, async () => {
    const added: ToolServer = { ...documents, name: 'courriel', transport: 'stdio', url: undefined, command: 'dotnet', args: ['demo.dll', '--stdio'], state: 'starting', reason: null, env_keys: ['JETON'] };
    const fetchMock = serve({ servers: [], provider_supports_tools: true }, {
      'PUT /api/tools/servers/courriel': () => json(added),
      'POST /api/tools/servers/courriel/test': () => json({ ...added, state: 'connected', tools: [agenda.tools[1]] }),
      'DELETE /api/tools/servers/courriel': () => new Response(null, { status: 204 }),
    });
    render(<ToolsSection readOnly={false} />);
    expect(await screen.findByTestId('tools-empty')).toHaveTextContent('Aucun serveur d’outils pour l’instant.');

    await userEvent.type(screen.getByTestId('tool-server-name'), 'courriel');
    await userEvent.type(screen.getByTestId('tool-server-command'), 'dotnet');
    await userEvent.type(screen.getByTestId('tool-server-args'), 'demo.dll{enter}--stdio');
    await userEvent.type(screen.getByTestId('tool-server-env'), 'JETON=secret');
    await userEvent.click(screen.getByTestId('tool-server-submit'));

    const server = await screen.findByTestId('tool-server');
    const put = fetchMock.mock.calls.find(([, init]) => init?.method === 'PUT')!;
    expect(JSON.parse(put[1]!.body as string)).toEqual({ command: 'dotnet', args: ['demo.dll', '--stdio'], env: { JETON: 'secret' } });
    expect(within(server).getByTestId('tool-server-state')).toHaveTextContent('Démarrage…');
    expect(screen.getByTestId('tool-server-name')).toHaveValue('');

    await userEvent.click(within(server).getByTestId('tool-server-test'));
    await waitFor(() => expect(within(server).getByTestId('tool-server-state')).toHaveTextContent('Connecté'));
    expect(within(server).getByText('envoyer_courriel')).toBeInTheDocument();

    await userEvent.click(within(server).getByTestId('tool-server-remove'));
    await waitFor(() => expect(screen.queryByTestId('tool-server')).toBeNull());
  });

  it('adds an address with its headers, and shows the server’s French refusal', { timeout: 30_000 }, async () => {
    const fetchMock = serve({ servers: [], provider_supports_tools: true }, {
      'PUT /api/tools/servers/docs': () => json({ code: 'invalid_request', detail: 'Ce nom est déjà pris.' }, 400),
    });
    render(<ToolsSection readOnly={false} />);
    await screen.findByTestId('tools-empty');
    await userEvent.type(screen.getByTestId('tool-server-name'), 'docs');
    await userEvent.click(screen.getByTestId('tool-server-http'));
    await userEvent.type(screen.getByTestId('tool-server-url'), 'https://docs.example/mcp');
    await userEvent.type(screen.getByTestId('tool-server-headers'), 'Authorization: Bearer abc');
    await userEvent.click(screen.getByTestId('tool-server-submit'));
    expect(await screen.findByTestId('tool-server-add-error')).toHaveTextContent('Ce nom est déjà pris.');
    const put = fetchMock.mock.calls.find(([, init]) => init?.method === 'PUT')!;
    expect(JSON.parse(put[1]!.body as string)).toEqual({ url: 'https://docs.example/mcp', headers: { Authorization: 'Bearer abc' } });
  });

  it('lets the owner choose whether a tool asks first', { timeout: 30_000 }, async () => {
    const fetchMock = serve({ servers: [agenda], provider_supports_tools: true }, {
      'PUT /api/tools/servers/agenda/tools/date_du_jour': () =>
        json({ ...agenda, tools: [{ ...agenda.tools[0], needs_approval: true, approval_override: true }, agenda.tools[1]] }),
    });
    render(<ToolsSection readOnly={false} />);
    const [select] = await screen.findAllByTestId('tool-approval-override');
    await userEvent.selectOptions(select, 'ask');
    await waitFor(() => expect(screen.getAllByTestId('tool-approval-badge')[0]).toHaveTextContent('Demande une autorisation'));
    const put = fetchMock.mock.calls.find(([, init]) => init?.method === 'PUT')!;
    expect(JSON.parse(put[1]!.body as string)).toEqual({ needs_approval: true });
    expect(screen.getAllByTestId('tool-approval-override')[0]).toHaveValue('ask');
  });

  it('says why the list could not be read', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json({ code: 'forbidden', detail: 'Accès refusé.' }, 403)));
    render(<ToolsSection readOnly={false} />);
    expect(await screen.findByTestId('tools-error')).toHaveTextContent('Accès refusé.');
  });
});

describe('definitionFromForm', () => {
  it('says in French what to fix', () => {
    expect(definitionFromForm(emptyServerForm)).toEqual({ error: 'Donnez un nom au serveur.' });
    expect(definitionFromForm({ ...emptyServerForm, name: 'Agenda' })).toMatchObject({ error: expect.stringContaining('lettres minuscules sans accent') });
    expect(definitionFromForm({ ...emptyServerForm, name: 'a' })).toEqual({ error: 'Indiquez la commande qui démarre le serveur.' });
    expect(definitionFromForm({ ...emptyServerForm, name: 'a', command: 'x', env: 'SANS_EGAL' })).toEqual({ error: 'Ligne « SANS_EGAL » : écrivez NOM=valeur.' });
    expect(definitionFromForm({ ...emptyServerForm, name: 'a', transport: 'http', url: 'javascript:alert(1)' })).toEqual({
      error: 'Indiquez une adresse qui commence par http:// ou https://.',
    });
  });
});

describe('ToolsSection badges', () => {
  it('says « Sans autorisation » for a tool that acts but was set not to ask', async () => {
    const tools = [{ name: 'envoyer_courriel', description: '', needs_approval: false, read_only: false, approval_override: false }];
    serve({ servers: [{ ...agenda, tools }], provider_supports_tools: true });
    render(<ToolsSection readOnly={false} />);
    expect(await screen.findByTestId('tool-approval-badge')).toHaveTextContent('Sans autorisation');
    expect(screen.getByTestId('tool-approval-override')).toHaveValue('never');
  });
});
