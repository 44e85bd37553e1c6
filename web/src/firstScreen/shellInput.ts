/**
 * The page (index.html) carries a plain chat input, so that it is there, focused, and takes typing in the
 * first paint, before the app's code has run. When the app's ChatInput mounts, React has just replaced
 * that input: ChatInput takes over what was typed in it, and where the caret was.
 */
let shell: HTMLTextAreaElement | null = null;

/** Before the first render: keeps hold of the page's input (React removes it from the document when it commits). */
export function holdShellInput(doc: Document = document) {
  const element = doc.querySelector('textarea[data-shell]');
  shell = element instanceof HTMLTextAreaElement ? element : null;
}

export interface TypedBeforeApp {
  text: string;
  selectionStart: number;
  selectionEnd: number;
}

/** What was typed in the page's input (once; null if nothing). */
export function takeShellInput(): TypedBeforeApp | null {
  const element = shell;
  shell = null;
  if (!element || element.value === '') return null;
  return { text: element.value, selectionStart: element.selectionStart, selectionEnd: element.selectionEnd };
}
