import type { Me } from '../api/accounts';
import type { Settings } from '../api/settings';

/**
 * What the server wrote into the page for the first screen (src/Therese.Server/Web/FirstScreen.cs): the
 * mode, and in personal mode what /api/auth/me and /api/settings would answer. Read before the first
 * render, so the chat shows without waiting for those requests.
 */
export interface Bootstrap {
  mode: 'personal' | 'team';
  me: Me | null;
  settings: Settings | null;
}

export function readBootstrap(doc: Document = document): Bootstrap | null {
  const text = doc.getElementById('bootstrap')?.textContent;
  if (!text) return null;
  try {
    const data = JSON.parse(text) as Partial<Bootstrap> | null;
    if (!data || (data.mode !== 'personal' && data.mode !== 'team')) return null;
    const me = data.me && typeof data.me === 'object' && data.me.mode === data.mode ? data.me : null;
    const settings = data.settings && typeof data.settings === 'object' && typeof data.settings.configured === 'boolean' ? data.settings : null;
    return { mode: data.mode, me, settings };
  } catch {
    // A page from somewhere else (a proxy's): the app asks the server as it did before.
    return null;
  }
}
