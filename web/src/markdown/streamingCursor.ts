import type { Element, ElementContent, Root } from 'hast';

const voidElements = new Set(['br', 'hr', 'img', 'input', 'wbr']);

/**
 * rehype plugin: appends the blinking cursor inside the deepest last element (paragraph, list
 * item, code line, table cell…) so it sits right after the last character, not on a new line.
 */
export function rehypeStreamingCursor() {
  return (tree: Root) => {
    let parent: Root | Element = tree;
    for (;;) {
      const last: ElementContent | undefined = lastMeaningfulChild(parent);
      if (!last || last.type !== 'element' || voidElements.has(last.tagName)) break;
      parent = last;
    }
    parent.children.push(cursorElement());
  };
}

function lastMeaningfulChild(node: Root | Element): ElementContent | undefined {
  for (let i = node.children.length - 1; i >= 0; i--) {
    const child = node.children[i];
    if (child.type === 'text' && child.value.trim() === '') continue;
    if (child.type === 'element' || child.type === 'text') return child;
  }
  return undefined;
}

function cursorElement(): Element {
  return {
    type: 'element',
    tagName: 'span',
    properties: { className: ['streaming-cursor'], dataTestid: 'streaming-cursor', ariaHidden: 'true' },
    children: [],
  };
}
