using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Therese.Testing;

/// <summary>
/// nginx in front of several THÉRÈSE instances, configured as docs/deployment.md says (HTTP/1.1 to the
/// instances, no buffering for SSE, the forwarded headers). Requests go round robin; a request with
/// <c>X-Test-Instance: N</c> goes to instance N, so that a test can say which instance serves what.
/// </summary>
public sealed class NginxBalancer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _prefix;
    private readonly ConcurrentQueue<string> _output = new();
    public string BaseUrl { get; }
    public const string InstanceHeader = "X-Test-Instance";
    /// <summary>Response header naming the instance that served the request (<c>$upstream_addr</c>, e.g. 127.0.0.1:41234).</summary>
    public const string UpstreamHeader = "X-Test-Upstream";
    /// <summary>The nginx master (its worker is a child of it).</summary>
    public int ProcessId => _process.Id;

    public static string NotFound => "nginx is not installed: the several-instances tests need it (apt-get install -y nginx; .ci/run does it).";

    private NginxBalancer(string prefix, int port, Process process)
    {
        _prefix = prefix;
        _process = process;
        BaseUrl = $"http://127.0.0.1:{port}";
    }

    /// <param name="workerConnections">
    /// nginx's worker_connections: each open stream holds two (the client's and the instance's), so thousands of
    /// concurrent streams need more than the default; the worker's open-files limit is raised to match.
    /// </param>
    public static async Task<NginxBalancer> StartAsync(IReadOnlyList<string> instances, int workerConnections = 4096)
    {
        var exe = ChildProcess.Find("nginx") ?? throw new InvalidOperationException(NotFound);
        var prefix = Path.Combine(Path.GetTempPath(), "therese-nginx-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(prefix);
        var port = ServerProcess.FreePort();
        File.WriteAllText(Path.Combine(prefix, "nginx.conf"), Config(prefix, port, instances, workerConnections));
        var output = new ConcurrentQueue<string>();
        var process = ChildProcess.Start(exe, ["-p", prefix, "-c", Path.Combine(prefix, "nginx.conf"), "-e", Path.Combine(prefix, "error.log")], output);
        var balancer = new NginxBalancer(prefix, port, process);
        foreach (var line in output) balancer._output.Enqueue(line);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"nginx exited:\n{string.Join('\n', output)}\n{balancer.ErrorLog}");
            try
            {
                using var response = await http.GetAsync(balancer.BaseUrl + "/api/auth/me");
                if ((int)response.StatusCode < 500) return balancer;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"nginx did not answer:\n{balancer.ErrorLog}");
            await Task.Delay(100);
        }
    }

    private static string Config(string prefix, int port, IReadOnlyList<string> instances, int workerConnections)
    {
        var upstreams = new StringBuilder();
        upstreams.AppendLine("    upstream therese {");
        foreach (var url in instances) upstreams.AppendLine($"        server {new Uri(url).Authority} max_fails=0;");
        upstreams.AppendLine("        keepalive 32;\n    }");
        var map = new StringBuilder();
        for (var i = 0; i < instances.Count; i++)
        {
            upstreams.AppendLine($"    upstream therese{i} {{ server {new Uri(instances[i]).Authority}; keepalive 8; }}");
            map.AppendLine($"        {i} therese{i};");
        }
        // As root, nginx's workers would run as nobody, who cannot write these temp folders.
        var user = ChildProcess.IsRoot ? "user root;\n" : "";
        return $$"""
            {{user}}daemon off;
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/error.log warn;
            worker_rlimit_nofile {{workerConnections + 64}};
            events { worker_connections {{workerConnections}}; }
            http {
                access_log off;
                client_body_temp_path {{prefix}}/body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
            {{upstreams}}
                map $http_x_test_instance $pool {
                    default therese;
            {{map}}
                }
                server {
                    listen 127.0.0.1:{{port}};
                    client_max_body_size 2m;
                    location / {
                        proxy_pass http://$pool;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header Host $http_host;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Forwarded-Proto $scheme;
                        proxy_buffering off;
                        proxy_cache off;
                        proxy_read_timeout 1h;
                        proxy_next_upstream error timeout;
                        add_header {{UpstreamHeader}} $upstream_addr always;
                    }
                }
            }
            """;
    }

    public string ErrorLog => File.Exists(Path.Combine(_prefix, "error.log")) ? File.ReadAllText(Path.Combine(_prefix, "error.log")) : string.Join('\n', _output);

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
        try { Directory.Delete(_prefix, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }
}
