using System.Net;
using System.Text.Json;
using Therese.Tests.Chat;

namespace Therese.Tests.Observability;

/// <summary>
/// Prometheus on: what an operator scraping THÉRÈSE sees after a few answers. Each test server runs its own model
/// name, so the series asserted here are this test's only (other tests' servers share the process, and the meters).
/// </summary>
public sealed class PrometheusTests : ServerTest
{
    private readonly string _model = "modele-mesure-" + Guid.NewGuid().ToString("N")[..8];

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Therese:Telemetry:Prometheus"] = "true",
        ["Therese:Llm:Model"] = _model,
    };

    private (string, string) Model => ("gen_ai_request_model", _model);

    private async Task<PrometheusText> ScrapeAsync()
    {
        using var response = await Http.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/metrics answered {(int)response.StatusCode}: {body}");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return new PrometheusText(body);
    }

    [Fact]
    public async Task After_a_complete_a_stopped_and_a_failed_answer_the_scrape_shows_each_with_its_timings()
    {
        await using (var complete = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { tokens = 40, tps = 200, ttft_ms = 200 }) }))
        {
            await complete.ReadToEndAsync();
            Assert.Equal("done", complete.Received[^2].Type);
        }
        await using (var stopped = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { tokens = 400, tps = 20, ttft_ms = 200 }) }))
        {
            await stopped.NextOfTypeAsync("delta");
            using (var stop = await Http.PostAsync($"/api/chat/stream/{stopped.MessageId}/stop", null))
                Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
            await stopped.ReadToEndAsync();
            Assert.Equal("user_stopped", stopped.Received[^2].Json.GetProperty("stop_reason").GetString());
        }
        await using (var failed = await ChatStreamReader.OpenAsync(Http, new { content = Directive.Message(new { status = 401 }) }))
        {
            await failed.ReadToEndAsync();
            Assert.Equal("auth", failed.Received[^2].Json.GetProperty("error").GetProperty("code").GetString());
        }
        await AssertNoAnswerRunningAsync();

        var scrape = await ScrapeAsync();

        // How answers ended, by status and stop reason.
        Assert.Equal("counter", scrape.TypeOf("therese_answers_ended_total"));
        Assert.Equal(1, scrape.Single("therese_answers_ended_total", Model, ("therese_answer_status", "complete"), ("therese_answer_stop_reason", "end_turn")));
        Assert.Equal(1, scrape.Single("therese_answers_ended_total", Model, ("therese_answer_status", "stopped"), ("therese_answer_stop_reason", "user_stopped")));
        Assert.Equal(1, scrape.Single("therese_answers_ended_total", Model, ("therese_answer_status", "error"), ("therese_answer_stop_reason", "auth")));
        Assert.Equal(3, scrape.Find("therese_answers_ended_total", Model).Sum(s => s.Value));

        // Errors by the code the user saw; a stop is not an error.
        Assert.Equal(1, scrape.Single("therese_answer_errors_total", Model, ("error_type", "auth"), ("gen_ai_provider_name", "anthropic")));
        Assert.Equal(1, scrape.Find("therese_answer_errors_total", Model).Sum(s => s.Value));

        // Time to first token, in seconds: both answers that wrote something, each after the provider's 200 ms.
        Assert.Equal("histogram", scrape.TypeOf("therese_answer_time_to_first_token_seconds"));
        Assert.Equal(2, scrape.Single("therese_answer_time_to_first_token_seconds_count", Model));
        Assert.Equal(0, scrape.Single("therese_answer_time_to_first_token_seconds_bucket", Model, ("le", "0.1")));
        Assert.Equal(2, scrape.Single("therese_answer_time_to_first_token_seconds_bucket", Model, ("le", "60")));

        // Output speed of the complete answer only (a stopped stream's token count is not known). Its value is the machine's
        // (how it is computed is ChatMetricsTests', on a fake clock): here, that one was recorded.
        Assert.Equal(1, scrape.Single("therese_answer_output_tokens_per_second_count", Model));
        Assert.True(scrape.Single("therese_answer_output_tokens_per_second_sum", Model) > 0);

        // Answers running now, on the gauge THÉRÈSE already had (its value is each server's own: other tests' servers
        // in this process publish theirs under the same name, so only its presence is this test's to check).
        Assert.Equal("gauge", scrape.TypeOf("therese_answers_running"));

        // The GenAI semantic conventions, from Microsoft.Extensions.AI's chat client: one operation per provider call,
        // the stopped and the refused ones with their error.type, and the tokens the complete answer used.
        var operations = scrape.Find("gen_ai_client_operation_duration_seconds_count", Model, ("gen_ai_operation_name", "chat"), ("gen_ai_provider_name", "anthropic")).ToList();
        Assert.Equal(1, operations.Where(s => !s.Labels.ContainsKey("error_type")).Sum(s => s.Value));
        Assert.Equal(1, operations.Where(s => s.Labels.GetValueOrDefault("error_type") == "Anthropic.Exceptions.AnthropicUnauthorizedException").Sum(s => s.Value));
        Assert.Equal(3, operations.Sum(s => s.Value));
        Assert.Equal(40, scrape.Single("gen_ai_client_token_usage_sum", Model, ("gen_ai_token_type", "output")));

        // ASP.NET Core's own metrics, for the chat endpoint.
        Assert.Contains(scrape.Find("http_server_request_duration_seconds_count", ("http_route", "/api/chat/stream")), s => s.Value >= 3);
    }

    [Fact]
    public async Task A_request_through_a_reverse_proxy_is_refused_even_from_this_machine()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("metrics_local_only", problem.GetProperty("code").GetString());
        AssertFrench(problem.GetProperty("detail").GetString()!);
        Assert.DoesNotContain("therese_", body);

        // The same request straight from this machine gets the metrics.
        Assert.Contains("# TYPE", (await ScrapeAsync()).Text);
    }
}

/// <summary>Behind a reverse proxy whose X-Forwarded-For THÉRÈSE believes (ASPNETCORE_FORWARDEDHEADERS_ENABLED).</summary>
public sealed class PrometheusBehindProxyTests : ServerTest
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["Therese:Telemetry:Prometheus"] = "true",
        ["FORWARDEDHEADERS_ENABLED"] = "true",
    };

    [Theory]
    [InlineData("203.0.113.7")]
    [InlineData("127.0.0.1")]
    public async Task A_forwarded_client_is_refused_wherever_it_says_it_is(string client)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-Forwarded-For", client);
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("metrics_local_only", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());

        using var direct = await Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("::1", "::1", true)]
    [InlineData("192.168.1.20", "192.168.1.20", true)]
    [InlineData("192.168.1.35", "192.168.1.20", false)]
    [InlineData("203.0.113.7", "10.0.0.2", false)]
    public void Only_a_connection_from_this_machine_may_scrape(string remote, string local, bool admitted)
    {
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        http.Connection.LocalIpAddress = IPAddress.Parse(local);
        Assert.Equal(admitted, Therese.Server.Observability.ScrapeGuard.Admits(http));
    }
}
