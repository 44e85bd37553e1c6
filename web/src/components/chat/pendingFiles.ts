import { useCallback, useEffect, useRef, useState } from 'react';
import { deleteAttachment, partOf, uploadAttachment, type AttachmentView } from '../../api/attachments';
import { ApiError, isAbortError } from '../../api/errors';
import type { AttachmentPart } from '../../stores/messageParts';

/** The most files one message may carry (Therese:Attachments:MaxPerMessage, by default). */
export const MAX_FILES = 10;

/**
 * A file in the composer: « Envoi… » while its bytes go up (with progress), « Lecture… » while the server reads
 * it (two states, so a long PDF never looks stuck), then ready, or refused with the server's French sentence.
 */
export interface PendingFile {
  key: string;
  name: string;
  size: number;
  state: 'sending' | 'reading' | 'ready' | 'error';
  /** 0 to 1, while sending. */
  progress: number;
  view?: AttachmentView;
  error?: string;
}

let counter = 0;

/** The composer's files: added (button, drop, paste), uploaded at once, removable, taken by a send. */
export function usePendingFiles() {
  const [files, setFiles] = useState<PendingFile[]>([]);
  /** What a screen reader hears when a file is added, removed or refused. */
  const [announcement, setAnnouncement] = useState('');
  const uploads = useRef(new Map<string, AbortController>());

  const patch = useCallback((key: string, change: Partial<PendingFile>) => {
    setFiles((current) => current.map((f) => (f.key === key ? { ...f, ...change } : f)));
  }, []);

  const add = useCallback(
    (picked: readonly File[]) => {
      setFiles((current) => {
        const room = Math.max(0, MAX_FILES - current.filter((f) => f.state !== 'error').length);
        const added: PendingFile[] = [];
        picked.forEach((file, i) => {
          const key = `f${++counter}`;
          if (i >= room) {
            added.push({ key, name: file.name, size: file.size, state: 'error', progress: 0, error: `Un message peut porter ${MAX_FILES} fichiers au plus.` });
            return;
          }
          added.push({ key, name: file.name, size: file.size, state: 'sending', progress: 0 });
          const controller = new AbortController();
          uploads.current.set(key, controller);
          uploadAttachment(file, ({ sent, reading }) => patch(key, reading ? { state: 'reading', progress: 1 } : { progress: sent }), controller.signal)
            .then((view) => {
              patch(key, { state: 'ready', view, progress: 1 });
              setAnnouncement(`${view.name} est prêt à être envoyé.`);
            })
            .catch((error: unknown) => {
              if (isAbortError(error)) return;
              const message = error instanceof ApiError ? error.message : 'L’envoi de ce fichier a échoué.';
              patch(key, { state: 'error', error: message });
              setAnnouncement(`${file.name} : ${message}`);
            })
            .finally(() => uploads.current.delete(key));
        });
        return [...current, ...added];
      });
    },
    [patch],
  );

  const remove = useCallback((key: string) => {
    setFiles((current) => {
      const file = current.find((f) => f.key === key);
      if (file) {
        uploads.current.get(key)?.abort();
        if (file.view) void deleteAttachment(file.view.id);
        setAnnouncement(`${file.name} retiré.`);
      }
      return current.filter((f) => f.key !== key);
    });
  }, []);

  /** The ready files, taken for a message; the composer empties. */
  const take = useCallback((): AttachmentPart[] => {
    const ready = files.filter((f) => f.state === 'ready' && f.view).map((f) => partOf(f.view!));
    setFiles([]);
    return ready;
  }, [files]);

  /** A refused message gives its files back. */
  const restore = useCallback((parts: readonly AttachmentPart[]) => {
    if (parts.length === 0) return;
    setFiles((current) => [
      ...parts.map((p) => ({
        key: `f${++counter}`,
        name: p.name,
        size: p.size,
        state: 'ready' as const,
        progress: 1,
        view: { id: p.id, name: p.name, media_type: p.media_type, size: p.size, kind: p.kind, pages: p.pages, warning: p.warning, chars: 0, truncated: false },
      })),
      ...current,
    ]);
  }, []);

  // Leaving the page cancels what is still going up.
  useEffect(() => () => uploads.current.forEach((c) => c.abort()), []);

  const uploading = files.some((f) => f.state === 'sending' || f.state === 'reading');
  const ready = files.some((f) => f.state === 'ready');
  return { files, add, remove, take, restore, uploading, ready, announcement };
}
