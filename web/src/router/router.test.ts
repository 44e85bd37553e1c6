import { describe, expect, it } from 'vitest';
import { createRouter, parseRoute } from './router';

describe('router', () => {
  it('parses / and /c/{id}', () => {
    expect(parseRoute('/')).toEqual({ name: 'new' });
    expect(parseRoute('/c/abc-1')).toEqual({ name: 'conversation', id: 'abc-1' });
    expect(parseRoute('/c/abc-1/')).toEqual({ name: 'conversation', id: 'abc-1' });
    expect(parseRoute('/autre')).toEqual({ name: 'new' });
  });

  it('pushes, replaces and follows popstate', () => {
    window.history.replaceState(null, '', '/');
    const router = createRouter(window);
    const seen: string[] = [];
    router.store.subscribe((s) => seen.push(s.path));

    router.navigate('/c/a');
    expect(window.location.pathname).toBe('/c/a');
    const length = window.history.length;
    router.navigate('/c/b', { replace: true });
    expect(window.history.length).toBe(length);
    expect(router.store.getState().path).toBe('/c/b');

    // What the browser does on Back.
    window.history.replaceState(null, '', '/');
    window.dispatchEvent(new PopStateEvent('popstate'));
    expect(router.store.getState().path).toBe('/');
    expect(seen).toEqual(['/c/a', '/c/b', '/']);
    router.dispose();
  });
});
