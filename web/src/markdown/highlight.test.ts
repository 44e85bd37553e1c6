import { describe, expect, it } from 'vitest';
import type { Root } from 'hast';
import { loadGrammar, onGrammarLoaded, rehypeCodeHighlight, warmUpHighlighter } from './highlight';

describe('rehypeCodeHighlight', () => {
  it('leaves a block plain until its grammar is loaded, and asks for it', async () => {
    const loaded = new Promise<void>((resolve) => onGrammarLoaded(resolve));
    const tree: Root = {
      type: 'root',
      children: [{ type: 'element', tagName: 'pre', properties: {}, children: [{ type: 'element', tagName: 'code', properties: { className: ['language-rs'] }, children: [{ type: 'text', value: 'fn main() {}' }] }] }],
    };
    rehypeCodeHighlight()(tree);
    expect(JSON.stringify(tree)).not.toContain('hljs');
    await loaded;
    rehypeCodeHighlight()(tree);
    expect(JSON.stringify(tree)).toContain('hljs-keyword');
  });

  it('highlights a known language and leaves unknown ones alone', async () => {
    await loadGrammar('csharp');
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
  it('fetches one grammar per idle period, never all at once', async () => {
    const queued: (() => void)[] = [];
    warmUpHighlighter((cb) => queued.push(cb));
    expect(queued).toHaveLength(1);
    let periods = 0;
    while (periods < 5) {
      const next = queued.shift();
      if (!next) {
        // The grammar of this period is still being fetched: its chunk queues the next period when it is in.
        for (let waited = 0; queued.length === 0 && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
        if (queued.length === 0) break;
        continue;
      }
      next();
      periods++;
      expect(queued.length).toBeLessThanOrEqual(1);
    }
    expect(periods).toBe(5);
  });
});
