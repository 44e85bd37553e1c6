using System.Text.Encodings.Web;
using System.Text.Json;
using Therese.Server.Chat;
using Therese.Server.Conversations;
using Therese.Server.Llm;
using Therese.Server.LocalModels;
using Therese.Server.Search;
using Therese.Server.Settings;
using Therese.Server.Storage;
using Therese.Server.Web;

// Settings and the built front end live beside the binaries, wherever THÉRÈSE is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.Services.AddProblemDetails();
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
    // Keep accents readable on the wire; the JSON is never embedded in HTML.
    o.SerializerOptions.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
});
builder.AddStorage();
builder.AddSettings();
builder.AddLlm();
builder.AddChat();
builder.AddSearch();
builder.AddLocalModels();

var app = builder.Build();

await app.PrepareStorageAsync();
await app.PrepareModelAsync();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapChatApi();
app.MapConversationsApi();
app.MapSettingsApi();
app.MapSearchApi();
app.MapLocalModelsApi();
app.MapFrontEnd();

app.Run();

public partial class Program;
