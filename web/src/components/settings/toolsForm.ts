import type { ServerDefinition, ServerState, ToolServer } from '../../api/tools';

/** « Ajouter un serveur »: what the person typed. */
export interface ServerForm {
  name: string;
  transport: 'stdio' | 'http';
  command: string;
  /** One argument per line. */
  args: string;
  /** One `NOM=valeur` per line. */
  env: string;
  url: string;
  /** One `Nom: valeur` per line. */
  headers: string;
}

export const emptyServerForm: ServerForm = { name: '', transport: 'stdio', command: '', args: '', env: '', url: '', headers: '' };

const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l !== '');

function pairs(text: string, separator: string, what: string): Record<string, string> | string {
  const result: Record<string, string> = {};
  for (const line of lines(text)) {
    const at = line.indexOf(separator);
    const key = at > 0 ? line.slice(0, at).trim() : '';
    if (key === '') return `Ligne « ${line} » : écrivez ${what}.`;
    result[key] = line.slice(at + 1).trim();
  }
  return result;
}

/** The request body for the form, or a French sentence saying what to fix. */
export function definitionFromForm(form: ServerForm): { name: string; definition: ServerDefinition } | { error: string } {
  const name = form.name.trim();
  if (name === '') return { error: 'Donnez un nom au serveur.' };
  if (!/^[a-z0-9][a-z0-9_-]{0,31}$/.test(name) || name.includes('__')) return { error: 'Le nom ne peut contenir que des lettres minuscules sans accent, des chiffres, « - » et « _ » (32 caractères au plus).' };
  if (form.transport === 'stdio') {
    const command = form.command.trim();
    if (command === '') return { error: 'Indiquez la commande qui démarre le serveur.' };
    const env = pairs(form.env, '=', 'NOM=valeur');
    if (typeof env === 'string') return { error: env };
    return { name, definition: { command, args: lines(form.args), env } };
  }
  const url = form.url.trim();
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return { error: 'Indiquez une adresse qui commence par http:// ou https://.' };
  const headers = pairs(form.headers, ':', 'Nom: valeur');
  if (typeof headers === 'string') return { error: headers };
  return { name, definition: { url, headers } };
}

const stateLabels: Record<ServerState, string> = {
  connected: 'Connecté',
  starting: 'Démarrage…',
  failed: 'En échec',
  stopped: 'Arrêté',
};

/** « Connecté », « En échec : le programme est introuvable. » */
export function serverStateText(server: Pick<ToolServer, 'state' | 'reason'>): string {
  const label = stateLabels[server.state] ?? server.state;
  return server.reason ? `${label} : ${server.reason}` : label;
}

/** What the server runs or where it is, without its secrets. */
export function serverTarget(server: ToolServer): string {
  if (server.transport === 'http') return server.url ?? '';
  return [server.command ?? '', ...(server.args ?? [])].filter((s) => s !== '').join(' ');
}
