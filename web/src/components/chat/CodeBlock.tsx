import { useEffect, useRef, useState, type ComponentProps } from 'react';
import type { Element, ElementContent } from 'hast';
import type { ExtraProps } from 'react-markdown';

type Props = ComponentProps<'pre'> & ExtraProps;

/** A fenced code block with its language and a « Copier » button. */
export function CodeBlock({ node, children, ...rest }: Props) {
  const code = node ? textOf(node) : '';
  const language = node ? languageOf(node) : null;
  const [copied, setCopied] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code.replace(/\n$/, ''));
      setCopied(true);
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  };

  return (
    <div className="code-block group relative my-3 overflow-hidden rounded-lg border border-border bg-code">
      <div className="flex items-center justify-between border-b border-border px-3 py-1 text-xs text-text-muted">
        <span className="font-mono">{language ?? 'code'}</span>
        <button
          type="button"
          onClick={copy}
          aria-label={copied ? 'Code copié' : 'Copier le code'}
          className="rounded px-2 py-0.5 font-medium hover:bg-surface-muted focus-visible:outline-2 focus-visible:outline-accent-cyan"
        >
          {copied ? 'Copié' : 'Copier'}
        </button>
      </div>
      <pre {...rest} className="overflow-x-auto p-3 text-sm leading-relaxed">
        {children}
      </pre>
    </div>
  );
}

function textOf(node: Element | ElementContent): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element') {
    // The streaming cursor is decoration, not code.
    const className = node.properties?.className;
    if (Array.isArray(className) && className.includes('streaming-cursor')) return '';
    return node.children.map(textOf).join('');
  }
  return '';
}

function languageOf(pre: Element): string | null {
  const code = pre.children.find((c): c is Element => c.type === 'element' && c.tagName === 'code');
  const className = code?.properties?.className;
  if (!Array.isArray(className)) return null;
  const language = className.map(String).find((c) => c.startsWith('language-'));
  return language ? language.slice('language-'.length) : null;
}
