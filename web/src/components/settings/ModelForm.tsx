import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/errors';
import { listModels, testSettings, type ConnectionTest, type ModelChoice, type Provider, type ReasoningLevel, type Settings, type SettingField } from '../../api/settings';
import { settingsStore } from '../../stores/settingsStore';
import { Field, inputClass, primaryButton, secondaryButton } from './Field';
import { LocalModelPicker } from './LocalModelPicker';
import { customPreset, providerLabels, servicePresets } from './presets';
import { formFromSettings, needsKey, patchFromForm, serviceChanged, type SettingsForm } from './settingsForm';

interface ModelFormProps {
  settings: Settings;
  /** Onboarding: the choice already made (provider, service, models found). */
  start?: Partial<SettingsForm>;
  knownModels?: ModelChoice[];
  /** Onboarding shows only the provider chosen and folds the advanced options. */
  compact?: boolean;
  onSaved?: (settings: Settings) => void;
}

type Test = { state: 'idle' } | { state: 'running' } | { state: 'done'; result: ConnectionTest };

const errorText = (error: unknown) =>
  error instanceof ApiError ? error.message : 'Une erreur inattendue est survenue. Réessayez.';

/** Provider, service, model, key, limits and system prompt, with « Tester la connexion » and « Enregistrer ». */
export function ModelForm({ settings, start, knownModels, compact = false, onSaved }: ModelFormProps) {
  const [form, setForm] = useState(() => formFromSettings(settings, start));
  const [models, setModels] = useState<ModelChoice[]>(knownModels ?? []);
  const [modelsNote, setModelsNote] = useState<string | null>(null);
  const [test, setTest] = useState<Test>({ state: 'idle' });
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const ids = useId();
  const id = (name: string) => `${ids}-${name}`;
  const lockedBy = (field: SettingField) => (settings.locked.includes(field) ? (settings.sources[field] ?? 'la configuration') : undefined);
  const update = (patch: Partial<SettingsForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    setSaved(false);
    setTest({ state: 'idle' });
  };

  // The model list follows the provider and the address (a typed key too, once typing pauses).
  const listKey = `${form.provider}|${form.baseUrl}|${form.apiKey}`;
  const latest = useRef(0);
  useEffect(() => {
    if (form.provider === 'local') return;
    const request = ++latest.current;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      listModels(patchFromForm(form, settings), controller.signal)
        .then((found) => {
          if (request !== latest.current) return;
          setModels(found);
          setModelsNote(found.length === 0 ? 'Ce service n’a indiqué aucun modèle : saisissez son nom.' : null);
        })
        .catch((error: unknown) => {
          if (request !== latest.current || controller.signal.aborted) return;
          setModels(knownModels ?? []);
          // A missing key or address is not an error yet: the list comes once it is typed.
          setModelsNote(
            error instanceof ApiError && error.code === 'not_configured'
              ? 'La liste des modèles du service s’affichera dès que la clé ou l’adresse sera saisie.'
              : `Liste des modèles indisponible : ${errorText(error)} Vous pouvez saisir le nom du modèle.`,
          );
        });
    }, 400);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // The form's other fields do not change the list.
  }, [listKey]);

  const keyWillBeCleared = useMemo(
    () => settings.api_key.set && form.apiKey.trim() === '' && !settings.locked.includes('api_key') && serviceChanged(form, settings),
    [form, settings],
  );

  const runTest = async () => {
    setTest({ state: 'running' });
    try {
      setTest({ state: 'done', result: await testSettings(patchFromForm(form, settings)) });
    } catch (error) {
      setTest({ state: 'done', result: { ok: false, sample: null, error: { code: 'network', message: errorText(error) } } });
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setSaveError(null);
    try {
      const result = await settingsStore.getState().save(patchFromForm(form, settings));
      setForm((f) => ({ ...f, apiKey: '', clearKey: false }));
      setSaved(true);
      onSaved?.(result);
    } catch (error) {
      setSaveError(errorText(error));
    } finally {
      setSaving(false);
    }
  };

  const chooseProvider = (provider: Provider) => {
    const fresh = formFromSettings(settings, { provider, preset: provider === 'openai' ? 'ollama' : customPreset });
    update({ provider, preset: fresh.preset, baseUrl: fresh.baseUrl, model: fresh.model, apiKey: '' });
    setModels([]);
    setModelsNote(null);
  };

  const choosePreset = (preset: string) => {
    const url = servicePresets.find((p) => p.id === preset)?.baseUrl;
    update({ preset, baseUrl: url ?? '', model: '' });
  };

  const advanced = (
    <>
      <Field
        id={id('reasoning')}
        label="Réflexion approfondie"
        lockedBy={lockedBy('reasoning')}
        hint={reasoningHint(form.provider)}
      >
        <select
          id={id('reasoning')}
          data-testid="reasoning-level"
          className={inputClass}
          value={form.reasoning}
          disabled={!!lockedBy('reasoning')}
          onChange={(e) => update({ reasoning: e.target.value as ReasoningLevel })}
        >
          <option value="off">Désactivée</option>
          <option value="low">Légère</option>
          <option value="medium">Moyenne</option>
          <option value="high">Poussée</option>
        </select>
      </Field>
      <Field id={id('max-tokens')} label="Longueur maximale d’une réponse (en jetons)" lockedBy={lockedBy('max_tokens')}>
        <input
          id={id('max-tokens')}
          data-testid="max-tokens"
          type="number"
          min={1}
          max={200000}
          inputMode="numeric"
          className={inputClass}
          value={form.maxTokens}
          disabled={!!lockedBy('max_tokens')}
          onChange={(e) => update({ maxTokens: e.target.value })}
        />
      </Field>
      <Field id={id('system-prompt')} label="Consignes données au modèle (prompt système)" lockedBy={lockedBy('system_prompt')}>
        <textarea
          id={id('system-prompt')}
          data-testid="system-prompt"
          rows={5}
          className={`${inputClass} resize-y leading-6`}
          value={form.systemPrompt}
          disabled={!!lockedBy('system_prompt')}
          onChange={(e) => update({ systemPrompt: e.target.value })}
        />
        {!lockedBy('system_prompt') && form.systemPrompt !== settings.default_system_prompt && (
          <button
            type="button"
            data-testid="reset-system-prompt"
            className="self-start text-sm font-medium text-accent-violet underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-accent-cyan"
            onClick={() => update({ systemPrompt: settings.default_system_prompt })}
          >
            Rétablir le texte d’origine
          </button>
        )}
      </Field>
    </>
  );

  const anthropicUrl = form.provider === 'anthropic' && (
    <Field id={id('anthropic-url')} label="Adresse de l’API (facultative)" lockedBy={lockedBy('base_url')} hint="Laissez vide pour api.anthropic.com.">
      <input
        id={id('anthropic-url')}
        data-testid="base-url"
        type="url"
        autoComplete="off"
        spellCheck={false}
        placeholder="https://api.anthropic.com"
        className={inputClass}
        value={form.baseUrl}
        disabled={!!lockedBy('base_url')}
        onChange={(e) => update({ baseUrl: e.target.value })}
      />
    </Field>
  );

  const providerLocked = lockedBy('provider');
  return (
    <form data-testid="model-form" className="flex flex-col gap-5" onSubmit={(e) => void submit(e)}>
      {!compact && (
        <fieldset className="flex flex-col gap-2">
          <legend className="mb-2 text-sm font-medium">Fournisseur du modèle</legend>
          <div className="grid gap-2 sm:grid-cols-3">
            {(['anthropic', 'openai', 'local'] as const).map((provider) => (
              <label
                key={provider}
                className={`flex cursor-pointer items-center gap-2 rounded-lg border px-3 py-2.5 text-sm has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-accent-cyan ${
                  form.provider === provider ? 'border-accent-cyan bg-accent-cyan/10' : 'border-border'
                } ${providerLocked ? 'cursor-not-allowed opacity-70' : ''}`}
              >
                <input
                  type="radio"
                  name={id('provider')}
                  data-testid={`provider-${provider}`}
                  value={provider}
                  checked={form.provider === provider}
                  disabled={!!providerLocked}
                  onChange={() => chooseProvider(provider)}
                  className="accent-accent-violet"
                />
                {providerLabels[provider]}
              </label>
            ))}
          </div>
          {providerLocked && (
            <p data-testid="provider-locked" className="text-xs text-text-muted">
              Fixé par {providerLocked} : modifiable seulement par l’administrateur.
            </p>
          )}
        </fieldset>
      )}

      {form.provider === 'openai' && (
        <Field id={id('preset')} label="Service" lockedBy={lockedBy('base_url')}>
          <select
            id={id('preset')}
            data-testid="provider-preset"
            className={inputClass}
            value={form.preset}
            disabled={!!lockedBy('base_url')}
            onChange={(e) => choosePreset(e.target.value)}
          >
            {servicePresets.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
            <option value={customPreset}>Autre adresse (compatible OpenAI)</option>
          </select>
        </Field>
      )}

      {form.provider === 'openai' && (
        <Field id={id('base-url')} label="Adresse du service" hint="L’adresse de l’API, avec /v1 à la fin en général.">
          <input
            id={id('base-url')}
            data-testid="base-url"
            type="url"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            placeholder="https://exemple.fr/v1"
            className={inputClass}
            value={form.baseUrl}
            disabled={!!lockedBy('base_url')}
            onChange={(e) => update({ baseUrl: e.target.value, preset: customPreset })}
          />
        </Field>
      )}

      {form.provider === 'local' ? (
        <LocalModelPicker
          selected={settings.provider === 'local' ? settings.model : ''}
          disabled={!!lockedBy('model') || !!providerLocked}
          onUse={async (model) => {
            // « Utiliser ce modèle » puts it in force at once: nothing else to fill in.
            const result = await settingsStore.getState().save({ provider: 'local', model });
            setForm((f) => ({ ...f, model }));
            setSaved(true);
            onSaved?.(result);
          }}
        />
      ) : (
        <Field
          id={id('model')}
          label="Modèle"
          lockedBy={lockedBy('model')}
          hint={modelsNote ?? (models.length > 0 ? `${models.length} modèle${models.length > 1 ? 's' : ''} proposé${models.length > 1 ? 's' : ''} par le service ; vous pouvez aussi saisir un nom.` : undefined)}
        >
          <input
            id={id('model')}
            data-testid="model"
            list={id('models')}
            autoComplete="off"
            spellCheck={false}
            placeholder={form.provider === 'anthropic' ? 'claude-sonnet-4-5' : form.preset === 'openai' ? 'gpt-4o-mini' : 'Nom du modèle'}
            className={inputClass}
            value={form.model}
            disabled={!!lockedBy('model')}
            onChange={(e) => update({ model: e.target.value })}
          />
          <datalist id={id('models')} data-testid="model-options">
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name !== m.id ? m.name : undefined}
              </option>
            ))}
          </datalist>
        </Field>
      )}

      {form.provider !== 'local' && (
        <Field
          id={id('api-key')}
          label={needsKey(form) ? 'Clé d’API' : 'Clé d’API (facultative pour un service sur cet ordinateur)'}
          lockedBy={lockedBy('api_key')}
          hint={
            keyWillBeCleared
              ? 'La clé enregistrée ne sera pas envoyée à ce nouveau service : saisissez la sienne.'
              : 'Elle est enregistrée chiffrée sur cet ordinateur et n’est jamais réaffichée.'
          }
        >
          <div className="flex gap-2">
            <input
              id={id('api-key')}
              data-testid="api-key"
              type="password"
              autoComplete="off"
              spellCheck={false}
              placeholder={
                settings.api_key.set && !form.clearKey && !keyWillBeCleared
                  ? `Clé enregistrée${settings.api_key.last4 ? ` (se termine par ${settings.api_key.last4})` : ''}`
                  : form.provider === 'anthropic'
                    ? 'sk-ant-…'
                    : 'Votre clé'
              }
              className={inputClass}
              value={form.apiKey}
              disabled={!!lockedBy('api_key')}
              onChange={(e) => update({ apiKey: e.target.value, clearKey: false })}
            />
            {settings.api_key.set && !lockedBy('api_key') && !form.clearKey && (
              <button type="button" data-testid="clear-api-key" className={secondaryButton} onClick={() => update({ apiKey: '', clearKey: true })}>
                Effacer
              </button>
            )}
          </div>
        </Field>
      )}

      {!compact && anthropicUrl}

      {compact ? (
        <details className="rounded-lg border border-border px-3 py-2">
          <summary className="cursor-pointer text-sm font-medium">Options avancées</summary>
          <div className="mt-3 flex flex-col gap-5">
            {anthropicUrl}
            {advanced}
          </div>
        </details>
      ) : (
        advanced
      )}

      <div className="flex flex-wrap items-center gap-2">
        {/* A local model is put in force by « Utiliser ce modèle »; the page still saves its limits and prompt. */}
        {!(compact && form.provider === 'local') && (
          <button type="submit" data-testid="save-settings" className={primaryButton} disabled={saving}>
            {saving ? 'Enregistrement…' : compact ? 'Enregistrer et commencer' : 'Enregistrer'}
          </button>
        )}
        {form.provider !== 'local' && (
          <button type="button" data-testid="test-connection" className={secondaryButton} disabled={test.state === 'running'} onClick={() => void runTest()}>
            {test.state === 'running' ? 'Test en cours…' : 'Tester la connexion'}
          </button>
        )}
        {saved && (
          <span data-testid="settings-saved" role="status" className="text-sm text-text-muted">
            Réglages enregistrés : le prochain message utilisera ce modèle.
          </span>
        )}
      </div>
      {saveError && (
        <p data-testid="settings-error" role="alert" className="rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm">
          {saveError}
        </p>
      )}
      {test.state === 'done' && <TestResult result={test.result} />}
    </form>
  );
}

/** What « Réflexion approfondie » does with the provider chosen. */
function reasoningHint(provider: Provider): string {
  switch (provider) {
    case 'anthropic':
      return 'Claude réfléchit avant de répondre ; sa réflexion s’affiche, repliée, au-dessus de la réponse. Elle consomme des jetons.';
    case 'openai':
      return 'Demandée aux modèles qui savent réfléchir (Qwen3, DeepSeek-R1, gpt-oss…) ; un modèle qui ne le sait pas répond sans.';
    default:
      return 'Pour les modèles qui ont un interrupteur de réflexion, comme Qwen3.';
  }
}

function TestResult({ result }: { result: ConnectionTest }) {
  if (result.ok)
    return (
      <p data-testid="test-result" data-ok="true" role="status" className="rounded-lg border border-accent-cyan/50 bg-accent-cyan/10 px-3 py-2 text-sm">
        Connexion réussie. Le modèle répond : « {result.sample} »
      </p>
    );
  return (
    <p data-testid="test-result" data-ok="false" role="status" className="rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm">
      La connexion a échoué : {result.error?.message}
    </p>
  );
}
