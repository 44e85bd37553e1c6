import { describe, expect, it } from 'vitest';
import { answerText, applyOps, partsFrom, pushOp, type MessagePart, type PartOp } from './messageParts';

describe('messageParts', () => {
  it('folds the events into parts as the server does, keeping unchanged parts as they were', () => {
    const reasoning: MessagePart = { type: 'reasoning', text: 'Avant', duration_ms: 500 };
    const parts = applyOps([reasoning], [
      { op: 'text', text: 'Bon' },
      { op: 'text', text: 'jour' },
      { op: 'reasoning', text: 'Encore' },
      { op: 'reasoning_end', duration_ms: 900 },
      { op: 'text', text: ' !' },
    ]);
    expect(parts).toEqual([
      reasoning,
      { type: 'text', text: 'Bonjour' },
      { type: 'reasoning', text: 'Encore', duration_ms: 900 },
      { type: 'text', text: ' !' },
    ]);
    expect(parts[0]).toBe(reasoning);
    expect(answerText(parts)).toBe('Bonjour !');
  });

  it('turns the text shown so far into reasoning on text_was_reasoning', () => {
    expect(applyOps([{ type: 'text', text: 'je pense' }], [{ op: 'text_was_reasoning', duration_ms: 40 }, { op: 'text', text: 'Réponse' }])).toEqual([
      { type: 'reasoning', text: 'je pense', duration_ms: 40 },
      { type: 'text', text: 'Réponse' },
    ]);
  });

  it('joins a frame of deltas of one kind into one op, in order', () => {
    const pending: PartOp[] = [];
    for (const op of [
      { op: 'reasoning', text: 'a' },
      { op: 'reasoning', text: 'b' },
      { op: 'reasoning_end', duration_ms: 1 },
      { op: 'text', text: 'c' },
      { op: 'text', text: 'd' },
    ] as PartOp[])
      pushOp(pending, op);
    expect(pending).toEqual([
      { op: 'reasoning', text: 'ab' },
      { op: 'reasoning_end', duration_ms: 1 },
      { op: 'text', text: 'cd' },
    ]);
  });

  it('reads the server parts, leaving out what it does not know, and falls back to the text', () => {
    expect(partsFrom([{ type: 'reasoning', text: 'r', duration_ms: 3 }, { type: 'outil' }, { type: 'text', text: 't' }], 't')).toEqual([
      { type: 'reasoning', text: 'r', duration_ms: 3 },
      { type: 'text', text: 't' },
    ]);
    expect(partsFrom(undefined, 'texte')).toEqual([{ type: 'text', text: 'texte' }]);
    expect(partsFrom(undefined, '')).toEqual([]);
  });
});
