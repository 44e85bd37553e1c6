import { defaultFetch, jsonBody, requestJson } from './http';

/** A GGUF model file in the models folder. */
export interface InstalledModel {
  file: string;
  size: number;
}

/** One of the recommended models (docs/api.md, « Local models »). */
export interface CatalogEntry {
  id: string;
  name: string;
  repo: string;
  file: string;
  /** Approximate, in bytes. */
  size: number;
  licence: string;
  description: string;
  /** Approximate memory while answering, in bytes. */
  ram: number;
  recommended: boolean;
  installed: boolean;
}

export type DownloadState = 'queued' | 'downloading' | 'verifying' | 'done' | 'failed' | 'cancelled';

export interface Download {
  id: string;
  repo: string;
  file: string;
  state: DownloadState;
  bytes: number;
  total: number | null;
  bytes_per_second: number | null;
  error: { code: string; message: string } | null;
}

export interface LocalModels {
  installed: InstalledModel[];
  catalog: CatalogEntry[];
  downloads: Download[];
}

export const isActive = (d: Download) => d.state === 'queued' || d.state === 'downloading' || d.state === 'verifying';

export const getLocalModels = (signal?: AbortSignal, fetchImpl = defaultFetch) =>
  requestJson<LocalModels>('/api/local-models', { signal }, fetchImpl);

export const startDownload = (repo: string, file: string, fetchImpl = defaultFetch) =>
  requestJson<Download>('/api/local-models/downloads', jsonBody('POST', { repo, file }), fetchImpl);

export const cancelDownload = (id: string, fetchImpl = defaultFetch) =>
  requestJson<Download>(`/api/local-models/downloads/${encodeURIComponent(id)}`, { method: 'DELETE' }, fetchImpl);

export const deleteLocalModel = (file: string, fetchImpl = defaultFetch) =>
  requestJson<void>(`/api/local-models/${encodeURIComponent(file)}`, { method: 'DELETE' }, fetchImpl);
