import { describe, expect, it } from 'vitest';
import { safeUrl } from './urls';

describe('safeUrl', () => {
  it.each(['https://exemple.fr', 'http://a.b/c?d=e', 'mailto:mairie@exemple.fr', '/docs', '#section', '//cdn.exemple.fr/x'])(
    'keeps %s',
    (url) => expect(safeUrl(url)).toBe(url),
  );
  it.each(['javascript:alert(1)', ' JAVASCRIPT:alert(1)', 'java\tscript:alert(1)', 'data:text/html,x', 'vbscript:x', 'file:///etc/passwd', ''])(
    'drops %j',
    (url) => expect(safeUrl(url)).toBeNull(),
  );
});
