using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Therese.Server.Chat;

public static class ChatExtensions
{
    public static IHostApplicationBuilder AddChat(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<ChatStreamOptions>(builder.Configuration.GetSection(ChatStreamOptions.Section));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TurnPlanner>();
        builder.Services.AddSingleton<AnswerStore>();
        // One instance: in memory. AddCluster registers the Redis one first when configured.
        builder.Services.TryAddSingleton<IStreamState, InMemoryStreamState>();
        // Registered after the message writer, so it stops first: answers end and are saved before the writer drains.
        builder.Services.AddSingleton<AnswerRegistry>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AnswerRegistry>());
        return builder;
    }
}
