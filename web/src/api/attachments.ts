import type { AttachmentPart } from '../stores/messageParts';
import { ApiError, messages } from './errors';
import { requestJson } from './http';

/** POST /api/attachments's answer: the file as the server read it (docs/api.md, « Attachments »). */
export interface AttachmentView {
  id: string;
  name: string;
  media_type: string;
  size: number;
  kind: 'document' | 'image';
  pages?: number;
  chars: number;
  /** The model in force would not get all of it. */
  truncated: boolean;
  /** What the person should know, in French (« tronqué à la page 42 », a scanned PDF…). */
  warning?: string;
}

export const attachmentUrl = (id: string) => `/api/attachments/${encodeURIComponent(id)}/content`;
/** An image as models see it (1,568 px at most): small enough for a thumbnail. */
export const previewUrl = (id: string) => `/api/attachments/${encodeURIComponent(id)}/preview`;

export const partOf = (view: AttachmentView): AttachmentPart => ({
  type: 'attachment',
  id: view.id,
  name: view.name,
  media_type: view.media_type,
  size: view.size,
  kind: view.kind,
  ...(view.pages !== undefined ? { pages: view.pages } : {}),
  ...(view.warning !== undefined ? { warning: view.warning } : {}),
});

export interface UploadProgress {
  /** 0 to 1 while the bytes go up; then the server reads the file. */
  sent: number;
  /** The bytes are all sent: the server is reading the file (« Lecture… »). */
  reading: boolean;
}

/**
 * Sends a file (multipart/form-data, field `file`). XMLHttpRequest, not fetch: only it reports the upload's progress.
 * Resolves with what the server read; rejects with an ApiError carrying the server's French sentence.
 */
export function uploadAttachment(file: File, onProgress: (progress: UploadProgress) => void, signal?: AbortSignal): Promise<AttachmentView> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/attachments');
    xhr.responseType = 'text';
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress({ sent: event.total > 0 ? event.loaded / event.total : 1, reading: false });
    };
    xhr.upload.onload = () => onProgress({ sent: 1, reading: true });
    xhr.onerror = () => reject(new ApiError('network', messages.network));
    xhr.onabort = () => reject(new DOMException('Envoi annulé', 'AbortError'));
    xhr.onload = () => {
      let body: Record<string, unknown> | null = null;
      try {
        body = xhr.responseText ? (JSON.parse(xhr.responseText) as Record<string, unknown>) : null;
      } catch {
        body = null;
      }
      if (xhr.status === 201 && body) resolve(body as unknown as AttachmentView);
      else if (body && typeof body.detail === 'string')
        reject(new ApiError(typeof body.code === 'string' ? body.code : 'http_error', body.detail, xhr.status));
      else reject(new ApiError('http_error', messages.httpStatus(xhr.status), xhr.status));
    };
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

/** Forgets a file removed before sending (the server keeps files a message carries). */
export async function deleteAttachment(id: string): Promise<void> {
  try {
    await requestJson<void>(`/api/attachments/${encodeURIComponent(id)}`, { method: 'DELETE' });
  } catch {
    // Left on the server, it is forgotten after a day anyway.
  }
}

const number = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });

/** « 1,2 Mo », « 350 ko », « 12 octets »: as the server writes sizes. */
export function formatSize(bytes: number): string {
  if (bytes >= 1_000_000) return `${number.format(bytes / 1_000_000)}\u00a0Mo`;
  if (bytes >= 1_000) return `${number.format(Math.round(bytes / 1_000))}\u00a0ko`;
  return `${number.format(bytes)}\u00a0octets`;
}

/** « 12 pages » (« 1 page »). */
export const formatPages = (pages: number) => `${number.format(pages)}\u00a0page${pages > 1 ? 's' : ''}`;
