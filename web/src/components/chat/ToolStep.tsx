import { Fragment, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { getTools } from '../../api/tools';
import { chatStore } from '../../stores/chatStore';
import { toolLabel, type ToolPart } from '../../stores/messageParts';
import { setReasoningOpen, useReasoningOpen } from '../../stores/reasoningView';

/** The arguments as the model sent them, indented JSON (shown as text, never interpreted). */
export const argumentsText = (args: Record<string, unknown>) => JSON.stringify(args, null, 2);

/** The stream's `summary` is the result's first 200 characters. */
const SUMMARY_CHARS = 200;

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'«»]+[^\s<>"'«».,;:!?)\]]/gi;

/**
 * Tool output is hostile text: it is shown as text, and only http(s) addresses become links (opened apart,
 * without the page's referrer or a handle on it).
 */
export function PlainText({ text }: { text: string }) {
  const pieces: (string | { href: string; text: string })[] = [];
  let at = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    let href: string | null = null;
    try {
      const url = new URL(match[0]);
      if (url.protocol === 'http:' || url.protocol === 'https:') href = url.href;
    } catch {
      href = null;
    }
    if (href === null) continue;
    pieces.push(text.slice(at, match.index), { href, text: match[0] });
    at = match.index + match[0].length;
  }
  pieces.push(text.slice(at));
  return (
    <>
      {pieces.map((piece, i) =>
        typeof piece === 'string' ? (
          <Fragment key={i}>{piece}</Fragment>
        ) : (
          <a key={i} href={piece.href} target="_blank" rel="noopener noreferrer nofollow" className="underline underline-offset-2">
            {piece.text}
          </a>
        ),
      )}
    </>
  );
}

const outcome: Record<ToolPart['state'], string> = {
  running: '',
  awaiting_approval: '',
  done: '',
  failed: 'échec',
  refused: 'refusé',
  cancelled: 'annulé',
};

/**
 * One tool call in the answer, in its place among the reasoning and the text: a live line while it runs, the
 * approval card while it waits for the person, then one closed line with ✓ or ✗ that opens on the arguments and
 * the result.
 */
export function ToolStep({ messageId, tool }: { messageId: string; tool: ToolPart }) {
  const root = useRef<HTMLDivElement>(null);
  // Read before React changes the step: where the focus is now (the card's button just pressed, the running line).
  const focusInside = root.current?.contains(document.activeElement) ?? false;
  const hadFocus = useRef(false);
  hadFocus.current = focusInside;
  // When the step changes under the focus (the card gives way to the running line, the line to the closed step),
  // the focus follows it instead of falling back to the top of the page.
  useLayoutEffect(() => {
    if (!hadFocus.current || root.current?.contains(document.activeElement)) return;
    root.current?.querySelector<HTMLElement>('button, [tabindex]')?.focus();
  }, [tool.state]);

  return (
    <div ref={root} className="contents">
      {tool.state === 'running' ? (
        <p data-testid="tool-step" data-state="running" tabIndex={-1} className="mb-3 text-sm text-text-muted focus:outline-none">
          <span className="reasoning-live">THÉRÈSE utilise {toolLabel(tool)}…</span>
        </p>
      ) : tool.state === 'awaiting_approval' ? (
        <ToolApprovalCard messageId={messageId} tool={tool} />
      ) : (
        <FinishedStep messageId={messageId} tool={tool} />
      )}
    </div>
  );
}

function FinishedStep({ messageId, tool }: { messageId: string; tool: ToolPart }) {
  const key = `tool:${messageId}:${tool.call_id}`;
  const open = useReasoningOpen(key, false);
  const id = useId();
  const ok = tool.state === 'done';
  const word = outcome[tool.state];
  // Live, only the first 200 characters are known; the whole result comes with the saved answer.
  const result = tool.result ?? (tool.summary !== null && tool.summary.length >= SUMMARY_CHARS ? `${tool.summary}…` : tool.summary);
  return (
    <section data-testid="tool-step" data-state={tool.state} className="mb-3 text-sm text-text-muted">
      <button
        type="button"
        data-testid="tool-step-toggle"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setReasoningOpen(key, !open)}
        className="inline-flex items-center gap-1.5 rounded-md py-0.5 pr-1.5 hover:text-text focus-visible:outline-2 focus-visible:outline-accent-cyan"
      >
        <svg viewBox="0 0 24 24" aria-hidden="true" className={`h-3.5 w-3.5 transition-transform ${open ? 'rotate-90' : ''}`} fill="none" stroke="currentColor" strokeWidth="2">
          <path d="M9 6l6 6-6 6" />
        </svg>
        <span data-testid="tool-step-label">{toolLabel(tool)}</span>
        <span aria-hidden="true" className={ok ? 'text-text' : 'text-danger'}>{ok ? '✓' : '✗'}</span>
        <span className="sr-only">{ok ? 'réussi' : word}</span>
        {word && <span aria-hidden="true">({word})</span>}
      </button>
      {open && (
        <div id={id} data-testid="tool-step-details" className="mt-1 space-y-2 border-l-2 border-border pl-3">
          <div>
            <p className="font-medium text-text">Arguments</p>
            <pre data-testid="tool-step-arguments" className="whitespace-pre-wrap break-words font-mono text-xs">{argumentsText(tool.arguments)}</pre>
          </div>
          <div>
            <p className="font-medium text-text">{ok ? 'Résultat' : 'Ce qui s’est passé'}</p>
            <pre data-testid="tool-step-result" className="whitespace-pre-wrap break-words font-mono text-xs">
              {result ? <PlainText text={result} /> : stateSentence(tool.state)}
            </pre>
          </div>
        </div>
      )}
    </section>
  );
}

function stateSentence(state: ToolPart['state']): string {
  switch (state) {
    case 'refused':
      return 'Vous avez refusé cet appel.';
    case 'cancelled':
      return 'L’appel a été annulé avec la réponse.';
    case 'failed':
      return 'L’outil n’a pas pu répondre.';
    default:
      return 'L’outil n’a rien renvoyé.';
  }
}

/** Whether the person is writing something (then a card that appears does not take their focus). */
function isTyping(): boolean {
  const active = document.activeElement;
  if (!(active instanceof HTMLElement)) return false;
  if (active instanceof HTMLTextAreaElement || active instanceof HTMLInputElement) return active.value !== '';
  return active.isContentEditable;
}

/**
 * What the tool does: the stream's description, or, for a card shown again from the saved answer (which may not
 * keep it), the tool's own description from the list of tools.
 */
function useToolDescription(tool: ToolPart): string | null {
  const [listed, setListed] = useState<string | null>(null);
  const known = tool.description ?? null;
  useEffect(() => {
    if (known !== null) return;
    const controller = new AbortController();
    getTools(controller.signal)
      .then((overview) => {
        const found = overview.servers.find((s) => s.name === tool.server)?.tools.find((t) => t.name === tool.name);
        if (found?.description) setListed(found.description);
      })
      .catch(() => {});
    return () => controller.abort();
  }, [known, tool.server, tool.name]);
  return known || listed;
}

export const approvalQuestion = (tool: Pick<ToolPart, 'server' | 'name'>) =>
  `THÉRÈSE demande l’autorisation d’utiliser ${toolLabel(tool)}.`;

/**
 * « Autoriser » / « Refuser »: the answer waits for the person. The card takes the focus when it appears, unless
 * the person is typing; it stays (after a reload too) until the call is decided, here or elsewhere.
 */
export function ToolApprovalCard({
  messageId,
  tool,
  decide = (callId, approve) => chatStore.getState().decideTool(messageId, callId, approve),
}: {
  messageId: string;
  tool: ToolPart;
  decide?: (callId: string, approve: boolean) => Promise<string | null>;
}) {
  const card = useRef<HTMLElement>(null);
  const titleId = useId();
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const description = useToolDescription(tool);

  useLayoutEffect(() => {
    if (!isTyping()) card.current?.focus({ preventScroll: false });
  }, []);

  const answer = async (approve: boolean) => {
    if (sending) return;
    setSending(true);
    setError(null);
    const failure = await decide(tool.call_id, approve);
    setSending(false);
    setError(failure);
  };

  return (
    <section
      ref={card}
      tabIndex={-1}
      role="group"
      aria-labelledby={titleId}
      data-testid="tool-approval"
      className="mb-3 rounded-xl border border-accent-cyan/60 bg-surface px-4 py-3 text-sm text-text focus-visible:outline-2 focus-visible:outline-accent-cyan"
    >
      <p id={titleId} data-testid="tool-approval-title" className="font-medium">
        {approvalQuestion(tool)}
      </p>
      {description && (
        <p data-testid="tool-approval-description" className="mt-1 whitespace-pre-wrap break-words text-text-muted">
          {description}
        </p>
      )}
      <p className="mt-2 font-medium">Arguments</p>
      <pre data-testid="tool-approval-arguments" className="mt-1 max-h-60 overflow-auto whitespace-pre-wrap break-words rounded-md bg-surface-muted p-2 font-mono text-xs">
        {argumentsText(tool.arguments)}
      </pre>
      <div className="mt-3 flex gap-2">
        <button
          type="button"
          data-testid="tool-approve"
          // Not `disabled`: a disabled button drops the focus to the top of the page.
          aria-disabled={sending}
          onClick={() => void answer(true)}
          className="rounded-md bg-accent-cyan px-3 py-1.5 font-medium text-black hover:opacity-90 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-cyan aria-disabled:opacity-60"
        >
          Autoriser
        </button>
        <button
          type="button"
          data-testid="tool-refuse"
          aria-disabled={sending}
          onClick={() => void answer(false)}
          className="rounded-md border border-border px-3 py-1.5 font-medium hover:bg-surface-muted focus-visible:outline-2 focus-visible:outline-accent-cyan aria-disabled:opacity-60"
        >
          Refuser
        </button>
      </div>
      {error && (
        <p role="alert" data-testid="tool-approval-error" className="mt-2 text-danger">
          {error}
        </p>
      )}
    </section>
  );
}
