import { useMemo } from 'react';
import { createStore, useStore } from 'zustand';

/** The pages of the app: `/` starts a new conversation, `/c/{id}` shows a saved one, `/settings` the settings. */
export type Route =
  | { name: 'new' }
  | { name: 'conversation'; id: string }
  | { name: 'settings' }
  | { name: 'account' }
  | { name: 'people' }
  | { name: 'usage' }
  | { name: 'myData' }
  | { name: 'audit' };

export const settingsPath = '/settings';
export const accountPath = '/account';
export const peoplePath = '/admin/people';
export const usagePath = '/admin/usage';
export const myDataPath = '/data';
export const auditPath = '/admin/audit';

const pages: Record<string, Route> = {
  [settingsPath]: { name: 'settings' },
  [accountPath]: { name: 'account' },
  [peoplePath]: { name: 'people' },
  [usagePath]: { name: 'usage' },
  [myDataPath]: { name: 'myData' },
  [auditPath]: { name: 'audit' },
};

export function parseRoute(pathname: string): Route {
  const page = pages[pathname.replace(/\/+$/, '')];
  if (page) return page;
  const match = /^\/c\/([^/]+)\/?$/.exec(pathname);
  if (match) {
    try {
      return { name: 'conversation', id: decodeURIComponent(match[1]) };
    } catch {
      return { name: 'conversation', id: match[1] };
    }
  }
  return { name: 'new' };
}

export const conversationPath = (id: string) => `/c/${encodeURIComponent(id)}`;

interface RouterState {
  path: string;
}

/** The current path, kept in step with the History API (pushState, replaceState, popstate). */
export function createRouter(win: Window = window) {
  const store = createStore<RouterState>()(() => ({ path: win.location.pathname }));
  const sync = () => store.setState({ path: win.location.pathname });
  win.addEventListener('popstate', sync);

  return {
    store,
    navigate(path: string, { replace = false } = {}) {
      if (path === win.location.pathname) return;
      if (replace) win.history.replaceState(null, '', path);
      else win.history.pushState(null, '', path);
      sync();
    },
    dispose() {
      win.removeEventListener('popstate', sync);
    },
  };
}

export const router = createRouter();
export const navigate = router.navigate;

export function useRoute(): Route {
  const path = useStore(router.store, (s) => s.path);
  // parseRoute returns a fresh object: memoise on the path so effects see a stable value.
  return useMemo(() => parseRoute(path), [path]);
}
