import { createStore, useStore } from 'zustand';
import { ApiError } from '../api/errors';
import { getSettings, saveSettings, type Settings, type SettingsPatch } from '../api/settings';

export interface SettingsState {
  settings: Settings | null;
  /** Loading failed (the server is unreachable): a French sentence. */
  error: string | null;
  load: () => Promise<void>;
  /** Saves and returns the settings now in force; throws ApiError with a French message. */
  save: (patch: SettingsPatch) => Promise<Settings>;
}

export interface SettingsDeps {
  get: (signal?: AbortSignal) => Promise<Settings>;
  save: (patch: SettingsPatch) => Promise<Settings>;
}

const defaultDeps: SettingsDeps = { get: (signal) => getSettings(signal), save: (patch) => saveSettings(patch) };

export function createSettingsStore(overrides: Partial<SettingsDeps> = {}) {
  const deps: SettingsDeps = { ...defaultDeps, ...overrides };
  return createStore<SettingsState>()((set) => ({
    settings: null,
    error: null,
    load: async () => {
      try {
        set({ settings: await deps.get(), error: null });
      } catch (error) {
        set({ error: error instanceof ApiError ? error.message : 'Impossible de lire les réglages.' });
      }
    },
    save: async (patch) => {
      const settings = await deps.save(patch);
      set({ settings, error: null });
      return settings;
    },
  }));
}

export const settingsStore = createSettingsStore();

export function useSettingsStore<T>(selector: (state: SettingsState) => T): T {
  return useStore(settingsStore, selector);
}
