import { useEffect, useId, useImperativeHandle, useLayoutEffect, useRef, useState, type ClipboardEvent, type KeyboardEvent, type MouseEvent, type Ref } from 'react';
import type { AttachmentPart } from '../../stores/messageParts';
import { takeShellInput, type TypedBeforeApp } from '../../firstScreen/shellInput';
import { drafts } from './drafts';
import { PendingChip } from './FileChip';
import { usePendingFiles } from './pendingFiles';

/** What the file picker offers (the server decides from the bytes anyway). */
const ACCEPTED = '.pdf,.docx,.xlsx,.odt,.ods,.csv,.txt,.md,.markdown,image/png,image/jpeg,image/webp,image/gif';

/** The textarea grows with its text up to this many lines, then scrolls. */
const MAX_LINES = 8;
/** The longest message the server takes (Therese:Limits:MaxMessageLength, by default). */
export const MAX_MESSAGE_LENGTH = 100_000;
/** The counter shows from this share of the limit. */
const COUNTER_FROM = 0.9;

const number = new Intl.NumberFormat('fr-FR');

interface ChatInputProps {
  busy: boolean;
  onSend: (content: string, attachments: AttachmentPart[]) => void;
  onStop: () => void;
  /** The draft of this conversation is kept (local storage) across reloads and switches. */
  draftKey?: string;
  ref?: Ref<ChatInputHandle>;
}

export interface ChatInputHandle {
  focus: () => void;
  /** Puts back a message the server refused (its text, unless something new was typed meanwhile, and its files). */
  restore: (text: string, attachments?: readonly AttachmentPart[]) => void;
  /** Files dropped on the chat. */
  addFiles: (files: readonly File[]) => void;
}

export function ChatInput({ busy, onSend, onStop, draftKey = 'new', ref }: ChatInputProps) {
  const [value, setValue] = useState(() => drafts.read(draftKey));
  const textarea = useRef<HTMLTextAreaElement>(null);
  const limitId = useId();
  const picker = useRef<HTMLInputElement>(null);
  const pending = usePendingFiles();
  const { add: addFiles, restore: restoreFiles } = pending;
  useImperativeHandle(
    ref,
    () => ({
      focus: () => textarea.current?.focus(),
      restore: (text, attachments = []) => {
        setValue((current) => (current.trim() === '' ? text : current));
        restoreFiles(attachments);
      },
      addFiles,
    }),
    [addFiles, restoreFiles],
  );

  // Another conversation: its own draft.
  const shownKey = useRef(draftKey);
  useEffect(() => {
    if (shownKey.current === draftKey) return;
    shownKey.current = draftKey;
    setValue(drafts.read(draftKey));
  }, [draftKey]);

  useEffect(() => {
    if (shownKey.current === draftKey) drafts.write(draftKey, value);
  }, [draftKey, value]);

  // What was typed in the page's own input before the app ran (index.html) is kept, with its caret.
  const typedBeforeApp = useRef<TypedBeforeApp | null>(null);
  useLayoutEffect(() => {
    const typed = takeShellInput();
    if (!typed) return;
    typedBeforeApp.current = typed;
    setValue(typed.text);
  }, []);

  useLayoutEffect(() => {
    const el = textarea.current;
    if (!el) return;
    const typed = typedBeforeApp.current;
    if (typed && el.value === typed.text) {
      el.setSelectionRange(typed.selectionStart, typed.selectionEnd);
      typedBeforeApp.current = null;
    }
    const style = getComputedStyle(el);
    const lineHeight = parseFloat(style.lineHeight) || 24;
    const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom) || 0;
    const max = lineHeight * MAX_LINES + padding;
    el.style.height = 'auto';
    const height = Math.min(el.scrollHeight, max);
    el.style.height = `${height}px`;
    el.style.overflowY = el.scrollHeight > max ? 'auto' : 'hidden';
  }, [value]);

  const blank = value.trim() === '';
  const tooLong = value.length > MAX_MESSAGE_LENGTH;

  // A file alone is a message too; one still going up or being read is waited for.
  const empty = blank && !pending.ready;
  const submit = () => {
    if (empty || busy || tooLong || pending.uploading) return;
    onSend(value, pending.take());
    setValue('');
    textarea.current?.focus();
  };

  // A pasted image (a screenshot) is attached; pasted text stays text.
  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = Array.from(event.clipboardData.files);
    if (files.length === 0) return;
    event.preventDefault();
    addFiles(files);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // isComposing: Enter confirms an IME composition, it must not send.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  // Stop takes the place of Send: the second click of a double click on Send lands on it (the
  // browser counts it as click 2) and is not a Stop. Any separate click is, however soon it comes.
  const stop = (event: MouseEvent<HTMLButtonElement>) => {
    if (event.detail > 1) return;
    onStop();
    textarea.current?.focus();
  };

  return (
    <div>
      <form
        className="flex flex-wrap items-end gap-2 rounded-2xl border border-border bg-surface p-2 shadow-sm focus-within:border-accent-cyan focus-within:ring-2 focus-within:ring-accent-cyan/30"
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        {pending.files.length > 0 && (
          <ul aria-label="Fichiers joints au message" data-testid="pending-files" className="flex w-full flex-wrap gap-2 px-1 pt-1">
            {pending.files.map((file) => (
              <PendingChip key={file.key} file={file} onRemove={pending.remove} />
            ))}
          </ul>
        )}
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          data-testid="attach-input"
          accept={ACCEPTED}
          onChange={(event) => {
            addFiles(Array.from(event.target.files ?? []));
            event.target.value = '';
          }}
        />
        <button
          type="button"
          data-testid="attach-button"
          aria-label="Joindre des fichiers"
          title="Joindre des fichiers : PDF, Word, Excel, OpenDocument, texte, images"
          onClick={() => picker.current?.click()}
          className="flex size-10 shrink-0 items-center justify-center rounded-xl text-text-muted hover:bg-surface-muted hover:text-text focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-cyan"
        >
          <svg aria-hidden="true" viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
            <path d="m21 11-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9" />
          </svg>
        </button>
        <textarea
          ref={textarea}
          id="chat-input"
          data-testid="chat-input"
          aria-label="Votre message à THÉRÈSE"
          aria-describedby={value.length >= MAX_MESSAGE_LENGTH * COUNTER_FROM ? limitId : undefined}
          aria-invalid={tooLong || undefined}
          placeholder="Message THÉRÈSE..."
          rows={1}
          value={value}
          autoFocus
          onChange={(event) => setValue(event.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          className="max-h-none min-h-10 flex-1 resize-none bg-transparent px-2 py-2 text-base leading-6 text-text placeholder:text-text-muted focus:outline-none"
        />
        {busy ? (
          <button
            type="button"
            data-testid="stop-button"
            aria-label="Arrêter"
            title="Arrêter (Échap)"
            onClick={stop}
            className="flex h-10 shrink-0 items-center gap-2 rounded-xl bg-text px-3 text-sm font-medium text-surface hover:opacity-90 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-cyan"
          >
            <span aria-hidden="true" className="size-3 rounded-[2px] bg-current" />
            <span className="hidden sm:inline">Arrêter</span>
          </button>
        ) : (
          <button
            type="submit"
            data-testid="send-button"
            aria-label="Envoyer"
            title={tooLong ? 'Message trop long' : pending.uploading ? 'Attendez la fin de l’envoi des fichiers' : 'Envoyer (Entrée)'}
            disabled={empty || tooLong || pending.uploading}
            onMouseDown={(event) => event.preventDefault() /* keep focus in the textarea */}
            className="flex h-10 shrink-0 items-center gap-2 rounded-xl bg-accent-cyan px-3 text-sm font-semibold text-slate-950 hover:brightness-95 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-violet disabled:cursor-not-allowed disabled:opacity-40"
          >
            <svg aria-hidden="true" viewBox="0 0 20 20" className="size-4" fill="currentColor">
              <path d="M3.4 2.6a1 1 0 0 1 1.1-.2l13 6.5a1.2 1.2 0 0 1 0 2.2l-13 6.5A1 1 0 0 1 3 16.4l1.6-5.6L11 10 4.6 9.2 3 3.6a1 1 0 0 1 .4-1Z" />
            </svg>
            <span className="hidden sm:inline">Envoyer</span>
          </button>
        )}
      </form>
      <p role="status" className="sr-only" data-testid="files-announcer">
        {pending.announcement}
      </p>
      {value.length >= MAX_MESSAGE_LENGTH * COUNTER_FROM && (
        <p
          id={limitId}
          data-testid="length-counter"
          aria-live="polite"
          className={`mt-1 text-right text-xs ${tooLong ? 'font-medium text-danger' : 'text-text-muted'}`}
        >
          {number.format(value.length)} / {number.format(MAX_MESSAGE_LENGTH)} caractères
          {tooLong && ' : le message est trop long. Raccourcissez-le ou envoyez-le en plusieurs fois.'}
        </p>
      )}
    </div>
  );
}
