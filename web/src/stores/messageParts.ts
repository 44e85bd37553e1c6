/**
 * A message is an ordered list of parts: the model's reasoning, its text (and, later, tool steps and
 * attachments). The stream's events fold into them here exactly as the server folds them before saving
 * (src/Therese.Server/Chat/AnswerParts.cs), so what the page shows live is what a reload shows.
 */
export type MessagePart =
  | { type: 'text'; text: string }
  /** `duration_ms` is null while the model is still reasoning. */
  | { type: 'reasoning'; text: string; duration_ms: number | null }
  | ToolPart
  | AttachmentPart;

export type ToolState = 'running' | 'awaiting_approval' | 'done' | 'failed' | 'refused' | 'cancelled';

/**
 * One tool call of the answer (TOOLS-CONTRACT.md): what the model asked for, where it stands, and what the tool
 * answered. `summary` is the first 200 characters (or a French reason when it failed); `result` the whole result,
 * known once the answer is saved. Arguments, summary and result are hostile text: shown as plain text only.
 */
export interface ToolPart {
  type: 'tool';
  call_id: string;
  server: string;
  name: string;
  arguments: Record<string, unknown>;
  state: ToolState;
  ok: boolean | null;
  summary: string | null;
  result: string | null;
  /** What the tool will do, in French, while it waits for the person (may be empty). */
  description?: string | null;
}

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
  | { op: 'text_was_reasoning'; duration_ms: number }
  | { op: 'tool_call'; call_id: string; server: string; name: string; arguments: Record<string, unknown> }
  | { op: 'tool_approval'; call_id: string; description: string }
  | { op: 'tool_decision'; call_id: string; approved: boolean }
  | { op: 'tool_result'; call_id: string; ok: boolean; summary: string }
  /** The answer ended (Stop, error): a call still running or waiting will never finish. */
  | { op: 'tools_cancelled' };

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
      case 'tool_call':
        // A replayed call already folded in stays as it is.
        if (!next.some((p) => p.type === 'tool' && p.call_id === op.call_id))
          next.push({ type: 'tool', call_id: op.call_id, server: op.server, name: op.name, arguments: op.arguments, state: 'running', ok: null, summary: null, result: null });
        break;
      case 'tool_approval':
        updateTool(next, op.call_id, (t) => (isFinished(t) ? t : { ...t, state: 'awaiting_approval', description: op.description }));
        break;
      case 'tool_decision':
        updateTool(next, op.call_id, (t) => (t.state !== 'awaiting_approval' ? t : { ...t, state: op.approved ? 'running' : 'refused' }));
        break;
      case 'tool_result':
        updateTool(next, op.call_id, (t) => ({ ...t, state: op.ok ? 'done' : t.state === 'refused' ? 'refused' : 'failed', ok: op.ok, summary: op.summary }));
        break;
      case 'tools_cancelled':
        for (let i = 0; i < next.length; i++) {
          const part = next[i];
          if (part.type === 'tool' && (part.state === 'running' || part.state === 'awaiting_approval')) next[i] = { ...part, state: 'cancelled' };
        }
        break;
    }
  }
  return next;
}

const isFinished = (tool: ToolPart) => tool.state !== 'running' && tool.state !== 'awaiting_approval';

function updateTool(parts: MessagePart[], callId: string, change: (tool: ToolPart) => ToolPart): void {
  const at = parts.findIndex((p) => p.type === 'tool' && p.call_id === callId);
  if (at >= 0) parts[at] = change(parts[at] as ToolPart);
}

/** The tool calls of an answer waiting for the person's decision. */
export const awaitingTools = (parts: readonly MessagePart[] | undefined): ToolPart[] =>
  (parts ?? []).filter((part): part is ToolPart => part.type === 'tool' && part.state === 'awaiting_approval');

/** « agenda › prochains_rendez_vous » */
export const toolLabel = (tool: Pick<ToolPart, 'server' | 'name'>) => `${tool.server} › ${tool.name}`;

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
    else if (part.type === 'tool' && typeof part.call_id === 'string' && typeof part.server === 'string' && typeof part.name === 'string')
      parts.push({
        type: 'tool',
        call_id: part.call_id,
        server: part.server,
        name: part.name,
        arguments: isObject(part.arguments) ? part.arguments : {},
        state: toolStates.has(part.state as ToolState) ? (part.state as ToolState) : 'failed',
        ok: typeof part.ok === 'boolean' ? part.ok : null,
        summary: typeof part.summary === 'string' ? part.summary : null,
        result: typeof part.result === 'string' ? part.result : null,
        ...(typeof part.description === 'string' ? { description: part.description } : {}),
      });
  }
  return parts;
}

const toolStates = new Set<ToolState>(['running', 'awaiting_approval', 'done', 'failed', 'refused', 'cancelled']);

export const isObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object' && !Array.isArray(value);
