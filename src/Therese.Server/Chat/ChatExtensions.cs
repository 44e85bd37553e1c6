namespace Therese.Server.Chat;

public static class ChatExtensions
{
    public static IHostApplicationBuilder AddChat(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<ChatStreamOptions>(builder.Configuration.GetSection(ChatStreamOptions.Section));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ChatTurns>();
        builder.Services.AddSingleton<ChatRunner>();
        return builder;
    }
}
