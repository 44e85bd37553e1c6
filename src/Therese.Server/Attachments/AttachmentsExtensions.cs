using Microsoft.Extensions.Options;
using Therese.Server.Attachments.Prompt;
using Therese.Server.Attachments.Reading;
using Therese.Server.Llm;
using Therese.Server.Llm.Local;

namespace Therese.Server.Attachments;

public static class AttachmentsExtensions
{
    public static IHostApplicationBuilder AddAttachments(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AttachmentsOptions>().Bind(builder.Configuration.GetSection(AttachmentsOptions.Section))
            .Validate(o => o.Invalid() is null, "Therese:Attachments has an invalid value (sizes and times must be positive).")
            .ValidateOnStart();
        builder.Services.AddSingleton<ReaderProcess>();
        builder.Services.AddSingleton<AttachmentStore>();
        builder.Services.AddSingleton<Privacy.IConversationData, AttachmentData>();
        builder.Services.AddSingleton<ModelContexts>();
        builder.Services.AddHostedService<UnsentAttachmentsSweeper>();
        return builder;
    }
}

/// <summary>The context of the model in force (or of the model an answer started on).</summary>
public sealed class ModelContexts(IOptions<AttachmentsOptions> options, IOptions<LocalModelOptions> local)
{
    public ModelContext For(ActiveModel model) => ModelContext.For(model, options.Value, local.Value);
}

/// <summary>Forgets the files uploaded and never sent, at start and every hour.</summary>
public sealed class UnsentAttachmentsSweeper(AttachmentStore store, IOptions<AttachmentsOptions> options, ILogger<UnsentAttachmentsSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        do
        {
            try
            {
                while (await store.ForgetUnsentAsync(TimeSpan.FromHours(options.Value.UnsentHours), stoppingToken) > 0) { }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Forgetting the attachments never sent failed; next try in an hour");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
