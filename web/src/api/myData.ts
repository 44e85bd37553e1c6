import { errorFromResponse, ApiError, messages } from './errors';
import { defaultFetch, jsonBody, requestJson } from './http';

/** What an export can be: Markdown, Word, or JSON with everything (every part, every version). */
export type ExportFormat = 'md' | 'docx' | 'json';

/** GET /api/conversations/{id}/export: the file, named by the server after the title (a plain link downloads it). */
export const conversationExportUrl = (id: string, format: ExportFormat) =>
  `/api/conversations/${encodeURIComponent(id)}/export?format=${format}`;

/** GET /api/me/export: « Mes données », one zip streamed by the server. */
export const myDataExportUrl = '/api/me/export';

export interface ImportResult {
  imported: number;
  skipped: number;
  conversations: string[];
  parts_left_out: number;
}

/** POST /api/import: a THÉRÈSE export (JSON or zip) or ChatGPT's conversations.json, all or nothing. */
export async function importFile(file: File, fetchImpl = defaultFetch): Promise<ImportResult> {
  const form = new FormData();
  form.append('file', file, file.name);
  let response: Response;
  try {
    response = await fetchImpl('/api/import', { method: 'POST', body: form, headers: { Accept: 'application/json' } });
  } catch {
    throw new ApiError('network', messages.network);
  }
  if (!response.ok) throw await errorFromResponse(response);
  return (await response.json()) as ImportResult;
}

/** DELETE /api/me/data: every conversation of the person, after they typed the word. */
export const deleteMyData = (confirm: string, fetchImpl = defaultFetch) =>
  requestJson<{ conversations: number }>('/api/me/data', jsonBody('DELETE', { confirm }), fetchImpl);

export interface AuditEntry {
  id: number;
  at: string;
  actor_id: string | null;
  actor_email: string;
  action: string;
  target_id: string | null;
  target_label: string | null;
  detail: string | null;
  address: string | null;
}

export interface AuditPage {
  items: AuditEntry[];
  next_cursor: string | null;
}

/** GET /api/audit: the administrators' actions, newest first. */
export const listAudit = (cursor: string | null, fetchImpl = defaultFetch) =>
  requestJson<AuditPage>(`/api/audit?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {}, fetchImpl);

export const auditExportUrl = '/api/audit/export';

/** GET and PUT /api/settings/retention (team mode, admin): null keeps everything. */
export const getRetention = (fetchImpl = defaultFetch) =>
  requestJson<{ retention_days: number | null }>('/api/settings/retention', {}, fetchImpl);
export const setRetention = (days: number | null, fetchImpl = defaultFetch) =>
  requestJson<{ retention_days: number | null }>('/api/settings/retention', jsonBody('PUT', { retention_days: days }), fetchImpl);

/** The French name of each audited action. */
export const auditActionNames: Record<string, string> = {
  'user.created': 'Personne ajoutée',
  'user.updated': 'Personne modifiée',
  'user.deleted': 'Personne supprimée, avec ses données',
  'settings.changed': 'Réglages du modèle modifiés',
  'retention.changed': 'Durée de conservation modifiée',
  'retention.run': 'Conservation : conversations anciennes supprimées',
  'local_model.download_started': 'Téléchargement d’un modèle local',
  'local_model.download_cancelled': 'Téléchargement d’un modèle annulé',
  'local_model.deleted': 'Modèle local supprimé',
  'data.exported': 'Export de « Mes données »',
  'data.deleted': 'Suppression de toutes ses données',
  'audit.exported': 'Journal exporté en CSV',
  'tool_server.added': 'Serveur d’outils ajouté ou modifié',
  'tool_server.removed': 'Serveur d’outils retiré',
  'tool.approval_changed': 'Autorisation d’un outil modifiée',
};
