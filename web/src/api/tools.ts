import { defaultFetch, jsonBody, requestJson } from './http';

/** A tool a server offers (TOOLS-CONTRACT.md). `approval_override`: the admin's choice, null = the tool's annotations. */
export interface ToolInfo {
  name: string;
  description: string;
  needs_approval: boolean;
  read_only: boolean;
  approval_override: boolean | null;
}

export type ServerState = 'connected' | 'starting' | 'failed' | 'stopped';

/** An MCP server as GET /api/tools lists it; secret values (env, headers) never come back, only their names. */
export interface ToolServer {
  name: string;
  transport: 'stdio' | 'http';
  source: 'config' | 'settings';
  locked: boolean;
  state: ServerState;
  /** Why it failed, in French. */
  reason: string | null;
  command?: string;
  args?: string[];
  url?: string;
  env_keys?: string[];
  header_keys?: string[];
  tools: ToolInfo[];
}

export interface ToolsOverview {
  servers: ToolServer[];
  /** False with the local model: it gets no tools. */
  provider_supports_tools: boolean;
}

/** What « Ajouter » sends: a program THÉRÈSE starts, or an address. */
export type ServerDefinition = { command: string; args: string[]; env: Record<string, string> } | { url: string; headers: Record<string, string> };

const serverUrl = (name: string) => `/api/tools/servers/${encodeURIComponent(name)}`;

export const getTools = (signal?: AbortSignal, fetchImpl = defaultFetch) => requestJson<ToolsOverview>('/api/tools', { signal }, fetchImpl);

export const saveServer = (name: string, definition: ServerDefinition, fetchImpl = defaultFetch) =>
  requestJson<ToolServer>(serverUrl(name), jsonBody('PUT', definition), fetchImpl);

export const removeServer = (name: string, fetchImpl = defaultFetch) =>
  requestJson<void>(serverUrl(name), { method: 'DELETE' }, fetchImpl);

export const testServer = (name: string, fetchImpl = defaultFetch) =>
  requestJson<ToolServer>(`${serverUrl(name)}/test`, { method: 'POST' }, fetchImpl);

/** The admin's choice for one tool: ask first (true), never ask (false), or as its annotations say (null). */
export const setToolApproval = (server: string, tool: string, needsApproval: boolean | null, fetchImpl = defaultFetch) =>
  requestJson<ToolServer>(`${serverUrl(server)}/tools/${encodeURIComponent(tool)}`, jsonBody('PUT', { needs_approval: needsApproval }), fetchImpl);
