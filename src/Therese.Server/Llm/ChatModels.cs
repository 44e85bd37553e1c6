using Microsoft.Extensions.AI;
using Therese.Server.Settings;

namespace Therese.Server.Llm;

/// <summary>The model in force: the settings it was built from and its chat pipeline (null when not configured).</summary>
public sealed record ActiveModel(ResolvedSettings Settings, IChatClient? Client)
{
    public bool IsConfigured => Client is not null;
    public string Name => Settings.Provider ?? "none";
}

/// <summary>
/// Holds the model that answers the next message. A saved change builds a new pipeline and swaps it in
/// atomically: answers already streaming keep the model they started with, the next one uses the new.
/// </summary>
public sealed class ChatModels(SettingsStore store, ConfiguredSettings configured, ChatClientFactory factory, ILogger<ChatModels> logger)
{
    private ActiveModel _current = new(configured.Resolve(ModelSettings.Empty), null);
    private readonly SemaphoreSlim _reload = new(1, 1);

    public ActiveModel Current => Volatile.Read(ref _current);

    /// <summary>Reads the saved settings and swaps in the model they describe.</summary>
    public async Task<ActiveModel> ReloadAsync(CancellationToken ct = default)
    {
        // One reload at a time, so the last save is the one that stays in force.
        await _reload.WaitAsync(ct);
        try
        {
            var settings = configured.Resolve(await store.ReadAsync(ct));
            var model = new ActiveModel(settings, factory.Create(settings));
            Volatile.Write(ref _current, model);
            if (model.IsConfigured)
                logger.LogInformation("Model in force: {Provider} {Model}", model.Name, settings.Model);
            else
                logger.LogInformation("No model is configured yet; the page offers to choose one");
            return model;
        }
        finally
        {
            _reload.Release();
        }
    }

    /// <summary>Saves a change and puts it in force for the next message.</summary>
    public async Task<ActiveModel> SaveAsync(SettingsPatch patch, CancellationToken ct)
    {
        await store.SaveAsync(patch, ct);
        var model = await ReloadAsync(ct);
        Saved?.Invoke();
        return model;
    }

    /// <summary>Settings were saved here (several instances: the others reload them).</summary>
    public event Action? Saved;

    /// <summary>The settings in force with unsaved values on top (to test them or list their models).</summary>
    public async Task<ResolvedSettings> PreviewAsync(SettingsPatch patch, CancellationToken ct) =>
        configured.Resolve((await store.ReadAsync(ct)).With(patch));
}
