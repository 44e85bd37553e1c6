import { Lexer } from 'marked';

export interface MarkdownBlock {
  /** The block's Markdown source, blank lines after it included. */
  source: string;
  /** Character offset of the block in the whole text. */
  start: number;
  /** marked's token type: paragraph, code, list, table, heading… */
  type: string;
}

/**
 * Splits Markdown into top-level blocks so each finished block can be rendered once and memoised.
 * Pass the previous result while text is streaming: only the last block (the one that can still
 * grow or change kind) is lexed again, so the cost per frame does not grow with the answer.
 */
export function splitBlocks(text: string, previous: MarkdownBlock[] = []): MarkdownBlock[] {
  const last = previous.at(-1);
  const reusable =
    last && text.startsWith(previous.map((b) => b.source).join('')) ? previous.slice(0, -1) : [];
  const offset = reusable.length ? last!.start : 0;

  const blocks = [...reusable];
  let position = offset;
  for (const token of new Lexer().lex(text.slice(offset))) {
    const raw = token.raw ?? '';
    if (raw === '') continue;
    const previousBlock = blocks.at(-1);
    // Blank lines belong to the block before them; they never make a block of their own.
    if (token.type === 'space' && previousBlock && previousBlock.start + previousBlock.source.length === position) {
      previousBlock.source += raw;
    } else {
      blocks.push({ source: raw, start: position, type: token.type });
    }
    position += raw.length;
  }
  // The lexer drops nothing in practice, but never lose text if it ever does.
  if (position < text.length) blocks.push({ source: text.slice(position), start: position, type: 'text' });
  return blocks;
}
