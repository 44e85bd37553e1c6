using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Therese.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Therese.E2E;

/// <summary>
/// Tools as a person sees them: each step of the answer shown live, in its place; the approval card for a tool that
/// acts (« Autoriser », « Refuser »), still there after a reload; the servers listed in « Réglages ». The server is
/// the real one with the fake provider asking for tools, and the demo MCP server (tools/Therese.McpDemo) started by
/// THÉRÈSE over stdio.
/// </summary>
public sealed partial class ToolsTests(ToolsFixture fixture, ITestOutputHelper output)
    : E2ETest<ToolsFixture>(fixture, output), IClassFixture<ToolsFixture>
{
    private ILocator Steps => LastAssistant.GetByTestId("tool-step");
    private ILocator Card => LastAssistant.GetByTestId("tool-approval");

    /// <summary>The fake model asks for one tool (by the name THÉRÈSE gives it: server__tool), then writes the text.</summary>
    private static string AsksFor(string tool, object arguments, string text, string? thinking = null) =>
        Fake.Message(thinking is null
            ? new { tools = new object[] { new { name = $"mairie__{tool}", arguments } }, text, tps = 40 }
            : new { tools = new object[] { new { name = $"mairie__{tool}", arguments } }, text, tps = 40, thinking } as object);

    /// <summary>A subject unique to the test, and its mark as the outbox records it (JSON escapes the accents).</summary>
    private static (string Subject, string Mark) Subject(string words)
    {
        var mark = Guid.NewGuid().ToString("N");
        return ($"{words} {mark}", mark);
    }

    private static object Mail(string subject) =>
        new { destinataire = "secretariat@mairie.example", objet = subject, corps = "Bonjour, pouvez-vous réserver la salle des fêtes ?" };

    [GeneratedRegex(@"mairie › attendre\s*✓")]
    private static partial Regex WaitedOk();

    [Fact]
    public Task A_tool_step_shows_while_it_runs_then_as_one_closed_line_in_order_with_the_reasoning_and_the_text() => RunAsync(async () =>
    {
        await OpenAsync();
        // A read-only tool: no approval. It takes 3 s, long enough for anyone to see it run.
        await SendAsync(AsksFor("attendre", new { secondes = 3 }, "J’ai vérifié : tout est prêt.", thinking: "Je dois d’abord attendre."));

        var step = Steps.First;
        await Expect(step).ToHaveAttributeAsync("data-state", "running");
        await Expect(step).ToHaveTextAsync("THÉRÈSE utilise mairie › attendre…");

        await Expect(LastContent.Last).ToContainTextAsync("J’ai vérifié : tout est prêt.");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(step).ToHaveAttributeAsync("data-state", "done");
        var toggle = step.GetByTestId("tool-step-toggle");
        await Expect(toggle).ToHaveTextAsync(WaitedOk());
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(step.GetByTestId("tool-step-details")).ToHaveCountAsync(0);

        // In order: the reasoning, the step, then the answer's text.
        var order = await LastAssistant.EvaluateAsync<string[]>(
            "el => [...el.querySelectorAll('[data-testid=reasoning], [data-testid=tool-step], [data-testid=message-content]')].map(e => e.dataset.testid)");
        Assert.Equal("reasoning", order[0]);
        Assert.Equal("message-content", order[^1]);
        Assert.Contains("tool-step", order);
        Assert.True(Array.IndexOf(order, "tool-step") < Array.LastIndexOf(order, "message-content"));

        await toggle.ClickAsync();
        await Expect(step.GetByTestId("tool-step-arguments")).ToContainTextAsync("\"secondes\": 3");
        await Expect(step.GetByTestId("tool-step-result")).ToContainTextAsync("attendu 3 secondes");

        // A reload shows the same steps.
        await Page.ReloadAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        await Expect(Steps.First.GetByTestId("tool-step-toggle")).ToHaveTextAsync(WaitedOk());
    });

    [Fact]
    public Task The_approval_card_says_what_the_tool_will_do_takes_the_focus_and_Autoriser_runs_it() => RunAsync(async () =>
    {
        await OpenAsync();
        var (subject, mark) = Subject("Salle des fêtes");
        await SendAsync(AsksFor("envoyer_courriel", Mail(subject), "Le courriel est parti au secrétariat."));

        await Expect(Card).ToBeVisibleAsync();
        await Expect(Card.GetByTestId("tool-approval-title")).ToHaveTextAsync("THÉRÈSE demande l’autorisation d’utiliser mairie › envoyer_courriel.");
        await Expect(Card.GetByTestId("tool-approval-description")).ToHaveTextAsync("Envoie un courriel au nom de la mairie.");
        await Expect(Card.GetByTestId("tool-approval-arguments")).ToContainTextAsync("secretariat@mairie.example");
        await Expect(Card.GetByTestId("tool-approval-arguments")).ToContainTextAsync(subject);
        await Expect(Card).ToBeFocusedAsync();
        await Expect(Page.GetByTestId("live-announcer")).ToHaveTextAsync("THÉRÈSE demande l’autorisation d’utiliser mairie › envoyer_courriel.");
        // The answer waits for the person: nothing was sent, no text yet.
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "streaming");
        Assert.DoesNotContain(mark, Fixture.Outbox());

        await Card.GetByRole(AriaRole.Button, new() { Name = "Autoriser" }).ClickAsync();
        await Expect(Card).ToHaveCountAsync(0);
        await Expect(LastContent.Last).ToContainTextAsync("Le courriel est parti au secrétariat.");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        var step = Steps.First;
        await Expect(step).ToHaveAttributeAsync("data-state", "done");
        await Expect(step.GetByTestId("tool-step-toggle")).ToContainTextAsync("✓");
        // The focus followed the card to the step that replaced it, not back to the top of the page.
        await Expect(step.GetByTestId("tool-step-toggle")).ToBeFocusedAsync();
        await step.GetByTestId("tool-step-toggle").ClickAsync();
        await Expect(step.GetByTestId("tool-step-result")).ToContainTextAsync($"Courriel « {subject} » enregistré pour secretariat@mairie.example.");
        Assert.Contains(mark, Fixture.Outbox());
    });

    [Fact]
    public Task Refuser_does_not_run_the_tool_and_the_answer_goes_on_without_it() => RunAsync(async () =>
    {
        await OpenAsync();
        var (subject, mark) = Subject("Refusé");
        await SendAsync(AsksFor("envoyer_courriel", Mail(subject), "Entendu, je n’envoie rien."));

        await Expect(Card).ToBeVisibleAsync();
        await Card.GetByRole(AriaRole.Button, new() { Name = "Refuser" }).ClickAsync();
        await Expect(Card).ToHaveCountAsync(0);
        await Expect(LastContent.Last).ToContainTextAsync("Entendu, je n’envoie rien.");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        var step = Steps.First;
        await Expect(step).ToHaveAttributeAsync("data-state", "refused");
        await Expect(step.GetByTestId("tool-step-toggle")).ToContainTextAsync("✗");
        await Expect(step.GetByTestId("tool-step-toggle")).ToContainTextAsync("(refusé)");
        Assert.DoesNotContain(mark, Fixture.Outbox());
    });

    [Fact]
    public Task The_approval_card_is_still_there_after_a_reload_and_can_be_decided_then() => RunAsync(async () =>
    {
        await OpenAsync();
        var (subject, mark) = Subject("Après rechargement");
        await SendAsync(AsksFor("envoyer_courriel", Mail(subject), "C’est envoyé, même après le rechargement."));
        await Expect(Card).ToBeVisibleAsync();
        // The conversation has its address once the answer started.
        await Expect(Page).ToHaveURLAsync(new Regex("/c/"));

        await Page.ReloadAsync();
        await Expect(Card).ToBeVisibleAsync();
        await Expect(Card.GetByTestId("tool-approval-arguments")).ToContainTextAsync(subject);
        await Expect(Card.GetByTestId("tool-approval-description")).ToHaveTextAsync("Envoie un courriel au nom de la mairie.");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "streaming");
        Assert.DoesNotContain(mark, Fixture.Outbox());

        await Card.GetByRole(AriaRole.Button, new() { Name = "Autoriser" }).ClickAsync();
        await Expect(Card).ToHaveCountAsync(0);
        await Expect(LastContent.Last).ToContainTextAsync("C’est envoyé, même après le rechargement.");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        Assert.Contains(mark, Fixture.Outbox());
    });

    [Fact]
    public Task Stop_while_the_card_waits_cancels_the_call_and_a_reload_shows_it_cancelled() => RunAsync(async () =>
    {
        await OpenAsync();
        var (subject, mark) = Subject("Arrêté");
        await SendAsync(AsksFor("envoyer_courriel", Mail(subject), "Ce texte ne doit jamais venir."));
        await Expect(Card).ToBeVisibleAsync();

        await ClickStopAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
        await Expect(Card).ToHaveCountAsync(0);
        var step = Steps.First;
        await Expect(step).ToHaveAttributeAsync("data-state", "cancelled");
        await Expect(step.GetByTestId("tool-step-toggle")).ToContainTextAsync("(annulé)");

        await Page.ReloadAsync();
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "stopped");
        await Expect(Steps.First).ToHaveAttributeAsync("data-state", "cancelled");
        await Expect(Card).ToHaveCountAsync(0);
        Assert.DoesNotContain(mark, Fixture.Outbox());
        Assert.DoesNotContain("Ce texte ne doit jamais venir.", await LastAnswerTextAsync());
    });

    [Fact]
    public Task A_tool_that_does_not_exist_shows_as_failed_with_a_reason_and_the_answer_goes_on() => RunAsync(async () =>
    {
        await OpenAsync();
        await SendAsync(AsksFor("outil_inconnu", new { }, "Je n’ai pas pu consulter cet outil."));
        await Expect(LastContent.Last).ToContainTextAsync("Je n’ai pas pu consulter cet outil.");
        await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
        var step = Steps.First;
        await Expect(step).ToHaveAttributeAsync("data-state", "failed");
        await Expect(step.GetByTestId("tool-step-toggle")).ToContainTextAsync("✗");
        await step.GetByTestId("tool-step-toggle").ClickAsync();
        await Expect(step.GetByTestId("tool-step-result")).ToContainTextAsync("n’existe pas");
    });

    [Fact]
    public Task Axe_finds_nothing_in_the_card_the_steps_and_Outils_in_both_themes() => RunAsync(async () =>
    {
        foreach (var dark in new[] { false, true })
        {
            await Page.EmulateMediaAsync(new() { ColorScheme = dark ? ColorScheme.Dark : ColorScheme.Light });
            var theme = dark ? "sombre" : "clair";
            await OpenAsync();
            await SendAsync(Fake.Message(new
            {
                tools = new object[]
                {
                    new { name = "mairie__outil_inconnu", arguments = new { } },
                    new { name = "mairie__envoyer_courriel", arguments = Mail(Subject("Axe").Subject) },
                },
                text = "Fait.",
                tps = 40,
            }));
            await Expect(Card).ToBeVisibleAsync();
            await Axe.AssertNoViolationsAsync(Page, $"demande d’autorisation, thème {theme}");
            await Card.GetByRole(AriaRole.Button, new() { Name = "Refuser" }).ClickAsync();
            await Expect(LastAssistant).ToHaveAttributeAsync("data-status", "complete");
            await Steps.First.GetByTestId("tool-step-toggle").ClickAsync();
            await Axe.AssertNoViolationsAsync(Page, $"étapes terminées, thème {theme}");

            await Page.GotoAsync("/settings");
            await Expect(Page.GetByTestId("tool-server").First).ToBeVisibleAsync();
            await Axe.AssertNoViolationsAsync(Page, $"Réglages → Outils, thème {theme}");
        }
    });

    [Fact]
    public Task Reglages_lists_the_configured_server_read_only_with_its_tools() => RunAsync(async () =>
    {
        await Page.GotoAsync("/settings");
        var server = Page.GetByTestId("tool-server").Filter(new() { Has = Page.GetByRole(AriaRole.Heading, new() { Name = "mairie" }) });
        await Expect(server.GetByTestId("tool-server-state")).ToHaveTextAsync("Connecté");
        await Expect(server.GetByTestId("tool-server-locked")).ToContainTextAsync("Défini par la configuration");
        await Expect(server.GetByTestId("tool-server-remove")).ToHaveCountAsync(0);
        var mail = server.GetByTestId("tool-item").Filter(new() { HasText = "envoyer_courriel" });
        await Expect(mail.GetByTestId("tool-approval-badge")).ToHaveTextAsync("Demande une autorisation");
        var today = server.GetByTestId("tool-item").Filter(new() { HasText = "date_du_jour" });
        await Expect(today.GetByTestId("tool-approval-badge")).ToHaveTextAsync("Lecture seule");
        await Expect(Page.GetByTestId("tools-local-model")).ToHaveCountAsync(0);
    });

    [Fact]
    public Task Reglages_adds_a_program_tests_it_and_removes_it() => RunAsync(async () =>
    {
        await Page.GotoAsync("/settings");
        var form = Page.GetByTestId("tool-server-add");
        await form.GetByTestId("tool-server-name").FillAsync("essai");
        await form.GetByTestId("tool-server-command").FillAsync("dotnet");
        await form.GetByTestId("tool-server-args").FillAsync(ToolsFixture.McpDemoDll());
        await form.GetByTestId("tool-server-submit").ClickAsync();

        var server = Page.GetByTestId("tool-server").Filter(new() { Has = Page.GetByRole(AriaRole.Heading, new() { Name = "essai" }) });
        await Expect(server).ToBeVisibleAsync();
        await Expect(server.GetByTestId("tool-server-locked")).ToHaveCountAsync(0);
        await server.GetByTestId("tool-server-test").ClickAsync();
        await Expect(server.GetByTestId("tool-server-state")).ToHaveTextAsync("Connecté");
        await Expect(server.GetByTestId("tool-item").Filter(new() { HasText = "chercher_documents" })).ToBeVisibleAsync();

        // Still there after a reload: it was saved.
        await Page.ReloadAsync();
        await Expect(server).ToBeVisibleAsync();
        await server.GetByTestId("tool-server-remove").ClickAsync();
        await Expect(server).ToHaveCountAsync(0);
        await Page.ReloadAsync();
        await Expect(Page.GetByTestId("tool-server").Filter(new() { Has = Page.GetByRole(AriaRole.Heading, new() { Name = "mairie" }) })).ToBeVisibleAsync();
        await Expect(server).ToHaveCountAsync(0);
    });

    [Fact]
    public Task A_bad_server_definition_gets_a_French_sentence() => RunAsync(async () =>
    {
        await Page.GotoAsync("/settings");
        var form = Page.GetByTestId("tool-server-add");
        await form.GetByTestId("tool-server-name").FillAsync("mairie");
        await form.GetByTestId("tool-server-command").FillAsync("dotnet");
        await form.GetByTestId("tool-server-submit").ClickAsync();
        // « mairie » comes from the configuration: the server refuses to replace it, and says so.
        await Expect(form.GetByTestId("tool-server-add-error")).ToContainTextAsync("est défini par la configuration de THÉRÈSE");
    });
}

/// <summary>THÉRÈSE with the demo MCP server (its test tools too) configured as « mairie », started over stdio.</summary>
public sealed class ToolsFixture : E2EFixture
{
    private readonly string _outbox = Path.Combine(Path.GetTempPath(), "therese-tests", $"outbox-{Guid.NewGuid():N}.jsonl");

    /// <summary>What the demo's « envoyer_courriel » recorded (nothing is ever sent).</summary>
    public string Outbox() => File.Exists(_outbox) ? File.ReadAllText(_outbox) : "";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Therese:Mcp:Servers:mairie:Command"] = "dotnet",
        ["Therese:Mcp:Servers:mairie:Args:0"] = McpDemoDll(),
        ["Therese:Mcp:Servers:mairie:Args:1"] = "--test-tools",
        ["Therese:Mcp:Servers:mairie:Env:THERESE_MCP_DEMO_OUTBOX"] = _outbox,
    };

    /// <summary>The demo server, built beside these tests (same configuration) by the project reference.</summary>
    public static string McpDemoDll()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var (framework, configuration) = (output.Name, output.Parent!.Name);
        var root = output;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "THERESE.slnx"))) root = root.Parent;
        if (root is null) throw new InvalidOperationException("THERESE.slnx not found above " + AppContext.BaseDirectory);
        var dll = Path.Combine(root.FullName, "tools", "Therese.McpDemo", "bin", configuration, framework, "Therese.McpDemo.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build tools/Therese.McpDemo first (the E2E project references it).", dll);
    }
}
