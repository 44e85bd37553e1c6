import { memo, useEffect, useMemo, useRef, useState, type ComponentProps } from 'react';
import ReactMarkdown, { type Components, type ExtraProps } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import remend from 'remend';
import { splitBlocks, type MarkdownBlock } from '../../markdown/blocks';
import { onGrammarLoaded, rehypeCodeHighlight } from '../../markdown/highlight';

export { warmUpHighlighter } from '../../markdown/highlight';
import { rehypeStreamingCursor } from '../../markdown/streamingCursor';
import { safeUrl } from '../../markdown/urls';
import { CodeBlock } from './CodeBlock';

interface MarkdownProps {
  text: string;
  /** True while the answer is still arriving: the last block is healed and gets the cursor. */
  streaming?: boolean;
}

/**
 * Renders an answer as Markdown, block by block. Finished blocks are memoised, so while a long
 * answer streams only its last, growing block is parsed and rendered again. This module and what it
 * imports (react-markdown, GFM, marked, the highlighter) load after the page: see Markdown.tsx.
 */
export function MarkdownRenderer({ text, streaming = false }: MarkdownProps) {
  const previous = useRef<MarkdownBlock[]>([]);
  // A grammar that arrives re-renders the code blocks (only those), now coloured.
  const [grammars, setGrammars] = useState(0);
  useEffect(() => onGrammarLoaded(() => setGrammars((n) => n + 1)), []);
  const blocks = useMemo(() => {
    const next = splitBlocks(text, previous.current);
    previous.current = next;
    return next;
  }, [text]);

  return (
    <div className="markdown">
      {blocks.map((block, index) => {
        const live = streaming && index === blocks.length - 1;
        return (
          <MarkdownBlockView
            key={index}
            source={live ? heal(block) : block.source}
            cursor={live}
            grammars={block.type === 'code' ? grammars : 0}
          />
        );
      })}
      {streaming && blocks.length === 0 && (
        <span className="streaming-cursor" data-testid="streaming-cursor" aria-hidden="true" />
      )}
    </div>
  );
}

/** Closes unterminated emphasis, inline code and links so the growing block does not flicker. */
function heal(block: MarkdownBlock): string {
  // An open ``` fence already renders as a code block (CommonMark runs it to the end).
  if (block.type === 'code') return block.source;
  return remend(block.source, { linkMode: 'text-only', images: false });
}

const remarkPlugins = [remarkGfm];
const rehypePlugins = [rehypeCodeHighlight];
const rehypePluginsWithCursor = [rehypeCodeHighlight, rehypeStreamingCursor];

const MarkdownBlockView = memo(function MarkdownBlockView({ source, cursor }: { source: string; cursor: boolean; grammars: number }) {
  return (
    <ReactMarkdown
      remarkPlugins={remarkPlugins}
      rehypePlugins={cursor ? rehypePluginsWithCursor : rehypePlugins}
      urlTransform={(url) => safeUrl(url)}
      components={components}
    >
      {source}
    </ReactMarkdown>
  );
});

function Link({ href, children, node: _node, ...rest }: ComponentProps<'a'> & ExtraProps) {
  if (!href) return <span className="unsafe-link">{children}</span>;
  return (
    <a {...rest} href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

/** Images from a model could track the reader (or leak data in their URL): show a link instead. */
function Image({ src, alt }: ComponentProps<'img'> & ExtraProps) {
  const label = `Image : ${alt || 'sans description'}`;
  if (typeof src !== 'string' || !src) return <span>[{label}]</span>;
  return (
    <a href={src} target="_blank" rel="noopener noreferrer">
      [{label}]
    </a>
  );
}

function Table({ node: _node, ...rest }: ComponentProps<'table'> & ExtraProps) {
  return (
    <div className="table-wrapper">
      <table {...rest} />
    </div>
  );
}

const components: Components = { a: Link, img: Image, pre: CodeBlock, table: Table };

/**
 * A sample answer, one block kind per slice: rendered once each, out of sight, in idle time after the page has
 * loaded, so that the first frames of a real answer run code the JavaScript engine has already compiled
 * instead of stalling on first use. One slice per idle period keeps each under a long task.
 */
export const warmUpSlices = [
  'Bonjour.',
  'Un **paragraphe** avec une *emphase*.',
  'Un [lien](https://example.org) et du `code`.',
  '## Titre',
  '- un point\n- un autre',
  '1. premier\n2. second',
  '> Une citation.',
  '| Poste | Montant |\n| --- | ---: |\n| Subventions | 12 000 € |',
  '```csharp\nvar total = 12000 + 3500;\n```',
  'Une réponse **en cours',
];

/** Renders one warm-up slice (in a container outside the document). */
export function WarmUpSlice({ source }: { source: string }) {
  return <MarkdownRenderer text={source} streaming />;
}
