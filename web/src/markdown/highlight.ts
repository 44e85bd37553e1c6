import type { Element, ElementContent, Root } from 'hast';
import { toText } from 'hast-util-to-text';
import { createLowlight } from 'lowlight';
import { visit } from 'unist-util-visit';
import { grammarAliases, grammarLoaders } from './grammars';

/**
 * One highlighter for the whole page. rehype-highlight builds a new one each time react-markdown makes
 * a processor, which it does on every render: on every frame of a streaming code block. Building it
 * once keeps a frame's work to the highlighting itself. It starts with no grammar: each is fetched
 * and compiled the first time it is needed.
 */
const lowlight = createLowlight();

const loading = new Map<string, Promise<void>>();
const listeners = new Set<() => void>();

/** The grammar chunk for a name a model wrote after ``` (its own name, or a known alias). */
function grammarFor(language: string): string | undefined {
  const name = language.toLowerCase();
  if (name in grammarLoaders) return name;
  return grammarAliases[name];
}

/**
 * Fetches and registers a grammar; listeners hear of it (code blocks in it can now be coloured). With
 * `compile`, it is also compiled now (a block is waiting for it) rather than at its first use.
 */
export function loadGrammar(language: string, compile = true): Promise<void> {
  const name = grammarFor(language);
  if (!name || lowlight.registered(name)) return Promise.resolve();
  let pending = loading.get(name);
  if (!pending) {
    pending = grammarLoaders[name]()
      .then((module) => {
        lowlight.register(name, module.default);
        if (compile) lowlight.highlight(name, 'x');
        for (const listener of listeners) listener();
      })
      .catch(() => {
        // Offline or a failed chunk: the block stays plain; a later block may try again.
        loading.delete(name);
      });
    loading.set(name, pending);
  }
  return pending;
}

/** Called each time a grammar becomes available. */
export function onGrammarLoaded(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Highlights `pre > code.language-x` blocks whose grammar is loaded; asks for it otherwise. No guessing. */
export function rehypeCodeHighlight() {
  return (tree: Root) => {
    visit(tree, 'element', (node: Element, _index, parent) => {
      if (node.tagName !== 'code' || parent?.type !== 'element' || parent.tagName !== 'pre') return;
      const lang = languageOf(node);
      if (!lang) return;
      if (!lowlight.registered(lang)) {
        void loadGrammar(lang);
        return;
      }

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
 * Fetches every grammar ahead, one per idle period (each is a small chunk and a short task), so that an
 * answer opening its first code block rarely waits for the network. Compiling waits for first use: a large
 * grammar takes tens of milliseconds to compile, too long for an idle period the user may be scrolling in.
 */
export function warmUpHighlighter(idle: (callback: () => void) => void): void {
  const pending = Object.keys(grammarLoaders);
  const next = () => {
    const language = pending.shift();
    if (!language) return;
    void loadGrammar(language, false).then(() => idle(next));
  };
  idle(next);
}
