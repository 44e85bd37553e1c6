import { describe, expect, it } from 'vitest';
import { splitBlocks } from './blocks';

const sample = '# Titre\n\nUn paragraphe.\n\n- a\n- b\n\n```js\nconst x = 1;\n\nconst y = 2;\n```\n\n| A |\n| - |\n| 1 |\n';

describe('splitBlocks', () => {
  it('splits into top-level blocks that add up to the text', () => {
    const blocks = splitBlocks(sample);
    expect(blocks.map((b) => b.type)).toEqual(['heading', 'paragraph', 'list', 'code', 'table']);
    expect(blocks.map((b) => b.source).join('')).toBe(sample);
  });

  it('keeps a blank line inside a fence in the code block', () => {
    const code = splitBlocks(sample).find((b) => b.type === 'code');
    expect(code?.source).toContain('const x = 1;\n\nconst y = 2;');
  });

  it('gives the same blocks when fed incrementally, character by character', () => {
    let blocks = splitBlocks('');
    for (let i = 1; i <= sample.length; i++) blocks = splitBlocks(sample.slice(0, i), blocks);
    expect(blocks).toEqual(splitBlocks(sample));
  });
});
