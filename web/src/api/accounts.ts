import { defaultFetch, jsonBody, requestJson } from './http';

export type Role = 'admin' | 'member';

/** GET /api/auth/me: the mode, and in team mode who is signed in. */
export interface Me {
  mode: 'personal' | 'team';
  id: string | null;
  email: string | null;
  name: string | null;
  role: Role | null;
  must_change_password: boolean;
}

export interface TeamUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  must_change_password: boolean;
  monthly_token_budget: number | null;
  created_at: string;
  locked_until: string | null;
}

export interface NewUser {
  email: string;
  name?: string;
  password: string;
  role: Role;
  must_change_password: boolean;
  monthly_token_budget?: number | null;
}

export interface UserPatch {
  name?: string;
  role?: Role;
  disabled?: boolean;
  password?: string;
  must_change_password?: boolean;
  monthly_token_budget?: number | null;
}

export interface PersonUsage {
  user_id: string;
  email: string;
  name: string;
  input_tokens: number;
  output_tokens: number;
  answers: number;
  monthly_token_budget: number | null;
}

export interface MonthUsage {
  month: string;
  people: PersonUsage[];
  input_tokens: number;
  output_tokens: number;
}

export const getMe = (signal?: AbortSignal, fetchImpl = defaultFetch) => requestJson<Me>('/api/auth/me', { signal }, fetchImpl);
export const signIn = (email: string, password: string, fetchImpl = defaultFetch) =>
  requestJson<Me>('/api/auth/login', jsonBody('POST', { email, password }), fetchImpl);
export const signOut = (fetchImpl = defaultFetch) => requestJson<void>('/api/auth/logout', { method: 'POST' }, fetchImpl);
export const changePassword = (currentPassword: string, newPassword: string, fetchImpl = defaultFetch) =>
  requestJson<Me>('/api/auth/password', jsonBody('POST', { current_password: currentPassword, new_password: newPassword }), fetchImpl);
export const setupNeeded = async (fetchImpl = defaultFetch) => (await requestJson<{ needed: boolean }>('/api/auth/setup', {}, fetchImpl)).needed;
export const createFirstAdmin = (email: string, name: string, password: string, fetchImpl = defaultFetch) =>
  requestJson<Me>('/api/auth/setup', jsonBody('POST', { email, name, password }), fetchImpl);

export const listUsers = (fetchImpl = defaultFetch) => requestJson<TeamUser[]>('/api/users', {}, fetchImpl);
export const createUser = (user: NewUser, fetchImpl = defaultFetch) => requestJson<TeamUser>('/api/users', jsonBody('POST', user), fetchImpl);
export const updateUser = (id: string, patch: UserPatch, fetchImpl = defaultFetch) =>
  requestJson<TeamUser>(`/api/users/${encodeURIComponent(id)}`, jsonBody('PATCH', patch), fetchImpl);
export const deleteUser = (id: string, fetchImpl = defaultFetch) =>
  requestJson<void>(`/api/users/${encodeURIComponent(id)}`, { method: 'DELETE' }, fetchImpl);
export const getUsage = (month: string, fetchImpl = defaultFetch) =>
  requestJson<MonthUsage>(`/api/usage?month=${encodeURIComponent(month)}`, {}, fetchImpl);
