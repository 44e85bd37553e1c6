import { describe, expect, it } from 'vitest';
import { answerText, applyOps, awaitingTools, partsFrom, pushOp, type MessagePart, type PartOp, type ToolPart } from './messageParts';

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

  describe('tool steps', () => {
    const call: PartOp = { op: 'tool_call', call_id: 'c1', server: 'agenda', name: 'prochains_rendez_vous', arguments: { jours: 7 } };
    const running = { type: 'tool', call_id: 'c1', server: 'agenda', name: 'prochains_rendez_vous', arguments: { jours: 7 }, state: 'running', ok: null, summary: null, result: null };

    it('puts a tool call in order between reasoning and text, and its result into it', () => {
      const parts = applyOps([], [
        { op: 'reasoning', text: 'Je regarde l’agenda.' },
        { op: 'reasoning_end', duration_ms: 300 },
        call,
        { op: 'tool_result', call_id: 'c1', ok: true, summary: 'Conseil municipal, mardi 9 h' },
        { op: 'text', text: 'Mardi à 9 h.' },
      ]);
      expect(parts).toEqual([
        { type: 'reasoning', text: 'Je regarde l’agenda.', duration_ms: 300 },
        { ...running, state: 'done', ok: true, summary: 'Conseil municipal, mardi 9 h' },
        { type: 'text', text: 'Mardi à 9 h.' },
      ]);
      expect(answerText(parts)).toBe('Mardi à 9 h.');
    });

    it('text after a tool step starts a new text part', () => {
      const parts = applyOps([{ type: 'text', text: 'Je vérifie.' }], [call, { op: 'text', text: 'Voilà.' }]);
      expect(parts.map((p) => p.type)).toEqual(['text', 'tool', 'text']);
      expect(answerText(parts)).toBe('Je vérifie.Voilà.');
    });

    it('waits for approval, then runs or is refused', () => {
      const waiting = applyOps([], [call, { op: 'tool_approval', call_id: 'c1', description: 'Envoie un courriel.' }]);
      expect(waiting).toEqual([{ ...running, state: 'awaiting_approval', description: 'Envoie un courriel.' }]);
      expect(awaitingTools(waiting)).toHaveLength(1);

      const approved = applyOps(waiting, [{ op: 'tool_decision', call_id: 'c1', approved: true }]);
      expect(approved[0]).toMatchObject({ state: 'running' });
      expect(awaitingTools(approved)).toEqual([]);

      const refused = applyOps(waiting, [
        { op: 'tool_decision', call_id: 'c1', approved: false },
        { op: 'tool_result', call_id: 'c1', ok: false, summary: 'Refusé par la personne.' },
      ]);
      expect(refused[0]).toMatchObject({ state: 'refused', ok: false, summary: 'Refusé par la personne.' });
      // A decision already applied here (the button) and then replayed by the stream changes nothing.
      expect(applyOps(approved, [{ op: 'tool_decision', call_id: 'c1', approved: false }])[0]).toMatchObject({ state: 'running' });
    });

    it('a failed call keeps its French reason', () => {
      const parts = applyOps([], [call, { op: 'tool_result', call_id: 'c1', ok: false, summary: 'Le serveur agenda ne répond pas.' }]);
      expect(parts[0]).toMatchObject({ state: 'failed', ok: false, summary: 'Le serveur agenda ne répond pas.' });
    });

    it('an ended answer cancels the calls still running or waiting, and leaves the finished ones', () => {
      const parts = applyOps([], [
        call,
        { op: 'tool_result', call_id: 'c1', ok: true, summary: 'ok' },
        { ...call, call_id: 'c2' },
        { ...call, call_id: 'c3' },
        { op: 'tool_approval', call_id: 'c3', description: '' },
        { op: 'tools_cancelled' },
      ]);
      expect(parts.map((p) => (p as ToolPart).state)).toEqual(['done', 'cancelled', 'cancelled']);
    });

    it('a replay that starts with the tool part does not add it twice, and events for unknown calls change nothing', () => {
      const start = [running as ToolPart];
      const parts = applyOps(start, [call, { op: 'tool_result', call_id: 'autre', ok: true, summary: 'x' }]);
      expect(parts).toEqual(start);
    });

    it('reads tool parts from the server, with an unknown state shown as failed and bad arguments as none', () => {
      expect(
        partsFrom(
          [
            { ...running, state: 'awaiting_approval', description: 'Envoie un courriel.' },
            { ...running, call_id: 'c2', state: 'bizarre', arguments: 'texte', result: 'tout le résultat' },
            { type: 'tool', call_id: 'c3' },
          ],
          '',
        ),
      ).toEqual([
        { ...running, state: 'awaiting_approval', description: 'Envoie un courriel.' },
        { ...running, call_id: 'c2', state: 'failed', arguments: {}, result: 'tout le résultat' },
      ]);
    });
  });
});
