import { describe, expect, it, vi } from 'vitest';
import type { Root } from 'hast';
import { rehypeCodeHighlight, warmUpHighlighter } from './highlight';

describe('rehypeCodeHighlight', () => {
  it('highlights a known language and leaves unknown ones alone', () => {
    const code = (lang: string) => ({
      type: 'element' as const,
      tagName: 'pre',
      properties: {},
      children: [{ type: 'element' as const, tagName: 'code', properties: { className: [`language-${lang}`] }, children: [{ type: 'text' as const, value: 'var x = 1;' }] }],
    });
    const tree: Root = { type: 'root', children: [code('csharp'), code('klingon')] };
    rehypeCodeHighlight()(tree);
    const [known, unknown] = tree.children.map((pre) => (pre as { children: { properties: { className: string[] }; children: unknown[] }[] }).children[0]);
    expect(known.properties.className).toContain('hljs');
    expect(known.children.length).toBeGreaterThan(1);
    expect(unknown.properties.className).not.toContain('hljs');
    expect(unknown.children).toHaveLength(1);
  });
});

describe('warmUpHighlighter', () => {
  it('compiles one grammar per idle period, never all at once', () => {
    const queued: (() => void)[] = [];
    vi.stubGlobal('requestIdleCallback', (cb: () => void) => queued.push(cb));
    warmUpHighlighter();
    expect(queued).toHaveLength(1);
    let periods = 0;
    while (queued.length) {
      queued.shift()!();
      periods++;
    }
    expect(periods).toBeGreaterThan(30);
    vi.unstubAllGlobals();
  });
});
