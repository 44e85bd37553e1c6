import type { Element, ElementContent, Root } from 'hast';
import { toText } from 'hast-util-to-text';
import { common, createLowlight } from 'lowlight';
import { visit } from 'unist-util-visit';

/**
 * One highlighter for the whole page. rehype-highlight builds a new one (37 grammars) each time
 * react-markdown makes a processor, which it does on every render: on every frame of a streaming
 * code block. Building it once keeps a frame's work to the highlighting itself.
 */
const lowlight = createLowlight(common);

/** Highlights `pre > code.language-x` blocks whose language is known; no guessing. */
export function rehypeCodeHighlight() {
  return (tree: Root) => {
    visit(tree, 'element', (node: Element, _index, parent) => {
      if (node.tagName !== 'code' || parent?.type !== 'element' || parent.tagName !== 'pre') return;
      const lang = languageOf(node);
      if (!lang || !lowlight.registered(lang)) return;

      const classes = Array.isArray(node.properties.className) ? node.properties.className : [];
      node.properties.className = classes.includes('hljs') ? classes : ['hljs', ...classes];
      const result = lowlight.highlight(lang, toText(node, { whitespace: 'pre' }));
      if (result.children.length > 0) node.children = result.children as ElementContent[];
    });
  };
}

function languageOf(node: Element): string | undefined {
  const classes = node.properties.className;
  if (!Array.isArray(classes)) return undefined;
  for (const value of classes.map(String)) {
    if (value.startsWith('language-')) return value.slice('language-'.length);
    if (value.startsWith('lang-')) return value.slice('lang-'.length);
  }
  return undefined;
}

/**
 * highlight.js compiles a grammar the first time it is used, which can take tens of milliseconds
 * (C#, C++…): long enough to stall the frame where a streaming answer opens its first code block.
 * Compiling every grammar ahead, one per idle period, moves that cost to when nothing happens.
 */
export function warmUpHighlighter(): void {
  const pending = lowlight.listLanguages();
  const idle: (callback: () => void) => void =
    typeof requestIdleCallback === 'function' ? (cb) => requestIdleCallback(cb) : (cb) => setTimeout(cb, 50);
  const next = () => {
    const language = pending.shift();
    if (!language) return;
    lowlight.highlight(language, 'x');
    idle(next);
  };
  idle(next);
}
