/**
 * A message is an ordered list of parts: the model's reasoning, its text (and, later, tool steps and
 * attachments). The stream's events fold into them here exactly as the server folds them before saving
 * (src/Therese.Server/Chat/AnswerParts.cs), so what the page shows live is what a reload shows.
 */
export type MessagePart =
  | { type: 'text'; text: string }
  /** `duration_ms` is null while the model is still reasoning. */
  | { type: 'reasoning'; text: string; duration_ms: number | null }
  | AttachmentPart;

/**
 * A file the person attached to their message. `warning` says what the model could not get of it when the
 * message was sent (« tronqué à la page 42 »), in French.
 */
export interface AttachmentPart {
  type: 'attachment';
  id: string;
  name: string;
  media_type: string;
  size: number;
  kind: 'document' | 'image';
  pages?: number;
  warning?: string;
}

/** The files of a message, in order. */
export const attachmentsOf = (parts: readonly MessagePart[] | undefined): AttachmentPart[] =>
  (parts ?? []).filter((part): part is AttachmentPart => part.type === 'attachment');

/** What one stream event does to an answer's parts. */
export type PartOp =
  | { op: 'text'; text: string }
  | { op: 'reasoning'; text: string }
  | { op: 'reasoning_end'; duration_ms: number }
  | { op: 'text_was_reasoning'; duration_ms: number };

/** The parts of a message that is its text alone. */
export const textParts = (text: string): MessagePart[] => (text === '' ? [] : [{ type: 'text', text }]);

/** The answer text: the text parts, joined (what « Copier » copies and the live region reads). */
export function answerText(parts: readonly MessagePart[]): string {
  let text = '';
  for (const part of parts) if (part.type === 'text') text += part.text;
  return text;
}

const isOpenReasoning = (part: MessagePart | undefined): part is Extract<MessagePart, { type: 'reasoning' }> =>
  part?.type === 'reasoning' && part.duration_ms === null;

/**
 * Applies a frame's worth of ops. Parts that do not change keep their identity, so only the part being
 * written re-renders.
 */
export function applyOps(parts: readonly MessagePart[], ops: readonly PartOp[]): MessagePart[] {
  const next = parts.slice();
  for (const op of ops) {
    const last = next.at(-1);
    switch (op.op) {
      case 'text':
        if (last?.type === 'text') next[next.length - 1] = { type: 'text', text: last.text + op.text };
        else next.push({ type: 'text', text: op.text });
        break;
      case 'reasoning':
        if (isOpenReasoning(last)) next[next.length - 1] = { ...last, text: last.text + op.text };
        else next.push({ type: 'reasoning', text: op.text, duration_ms: null });
        break;
      case 'reasoning_end':
        if (isOpenReasoning(last)) next[next.length - 1] = { ...last, duration_ms: op.duration_ms };
        break;
      case 'text_was_reasoning':
        if (last?.type === 'text') next[next.length - 1] = { type: 'reasoning', text: last.text, duration_ms: op.duration_ms };
        break;
    }
  }
  return next;
}

/** Adds an op to a frame's pending ops, joining it to the last one when both add text of the same kind. */
export function pushOp(pending: PartOp[], op: PartOp): void {
  const last = pending.at(-1);
  if (last && (op.op === 'text' || op.op === 'reasoning') && last.op === op.op) {
    pending[pending.length - 1] = { op: op.op, text: last.text + op.text };
    return;
  }
  pending.push(op);
}

/** Whether the model is reasoning right now: the last part is reasoning that has not ended. */
export const isReasoning = (parts: readonly MessagePart[]) => isOpenReasoning(parts.at(-1));

/** Parts as the server sends them; anything unexpected is left out rather than shown wrong. */
export function partsFrom(raw: unknown, fallbackText: string): MessagePart[] {
  if (!Array.isArray(raw)) return textParts(fallbackText);
  const parts: MessagePart[] = [];
  for (const item of raw) {
    if (!item || typeof item !== 'object') continue;
    const part = item as Record<string, unknown>;
    if (part.type === 'text' && typeof part.text === 'string') parts.push({ type: 'text', text: part.text });
    else if (part.type === 'reasoning' && typeof part.text === 'string')
      parts.push({ type: 'reasoning', text: part.text, duration_ms: typeof part.duration_ms === 'number' ? part.duration_ms : null });
    else if (part.type === 'attachment' && typeof part.id === 'string' && typeof part.name === 'string' && typeof part.size === 'number')
      parts.push({
        type: 'attachment',
        id: part.id,
        name: part.name,
        media_type: typeof part.media_type === 'string' ? part.media_type : 'application/octet-stream',
        size: part.size,
        kind: part.kind === 'image' ? 'image' : 'document',
        ...(typeof part.pages === 'number' ? { pages: part.pages } : {}),
        ...(typeof part.warning === 'string' ? { warning: part.warning } : {}),
      });
  }
  return parts;
}
