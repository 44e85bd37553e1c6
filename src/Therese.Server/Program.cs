using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Therese.Server;
using Therese.Server.Accounts;
using Therese.Server.Audit;
using Therese.Server.Attachments;
using Therese.Server.Attachments.Reading;
using Therese.Server.Chat;
using Therese.Server.Cluster;
using Therese.Server.Conversations;
using Therese.Server.Desktop;
using Therese.Server.Llm;
using Therese.Server.LocalModels;
using Therese.Server.Observability;
using Therese.Server.Privacy;
using Therese.Server.Search;
using Therese.Server.Settings;
using Therese.Server.Storage;
using Therese.Server.Tools;
using Therese.Server.Web;

// The same program reads attached files in a child process of its own (hostile input stays out of the server).
if (ReaderWorker.IsInvoked(args)) return await ReaderWorker.RunAsync(args);
if (DesktopCommandLine.Handle(ref args) is { } printed) return printed;

// Settings and the built front end live beside the binaries, wherever THÉRÈSE is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.Services.AddFrenchProblems();
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
    // Keep accents readable on the wire; the JSON is never embedded in HTML.
    o.SerializerOptions.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
    // A field THÉRÈSE does not know, or one given twice, is a mistake to report, not to guess around.
    o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
    o.SerializerOptions.AllowDuplicateProperties = false;
    // What only the server keeps (a thinking block's signature) never reaches a browser.
    o.SerializerOptions.TypeInfoResolver = (o.SerializerOptions.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(ServerOnlyAttribute.LeaveOut);
});
builder.AddWebSecurity();
builder.AddStorage();
builder.AddAccounts();
builder.AddSettings();
builder.AddLlm();
builder.AddCluster();
builder.AddChat();
builder.AddSearch();
builder.AddAttachments();
builder.AddTools();
builder.AddLocalModels();
builder.AddAudit();
builder.AddPrivacy();
builder.AddObservability();
// The installable app: its address (or the THÉRÈSE already running), the browser, the French welcome.
if (await builder.PrepareDesktopLaunchAsync() is { } handedOff) return handedOff;

var app = builder.Build();

if (app.RefusesToListen()) return 1;
await app.PrepareStorageAsync(sweepInterrupted: !app.IsCluster());
await app.PrepareAccountsAsync();
await app.PrepareModelAsync();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseWebSecurity();
app.UseAccounts();
app.MapAccessTokenApi();
app.MapAccountsApi();
app.MapChatApi();
app.MapConversationsApi();
app.MapAttachmentsApi();
app.MapSettingsApi();
app.MapToolsApi();
app.MapSearchApi();
app.MapLocalModelsApi();
app.MapPrivacyApi();
app.MapAuditApi();
app.MapObservability();
app.MapFrontEnd();

app.Run();
return 0;

public partial class Program;
