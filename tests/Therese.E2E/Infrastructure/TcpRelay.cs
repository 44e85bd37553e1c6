using System.Net;
using System.Net.Sockets;

namespace Therese.E2E.Infrastructure;

/// <summary>
/// A loopback TCP relay in front of THÉRÈSE, to cut the network for real: <see cref="Drop"/> resets
/// every open connection (as a lost Wi-Fi does), and while <see cref="Offline"/> new ones are refused.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly List<(TcpClient Client, TcpClient Server)> _open = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TcpRelay(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string BaseUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>New connections are reset at once.</summary>
    public bool Offline { get; set; }

    /// <summary>Resets every connection now open.</summary>
    public void Drop()
    {
        lock (_gate)
        {
            foreach (var (client, server) in _open)
            {
                Reset(client);
                Reset(server);
            }
            _open.Clear();
        }
    }

    private static void Reset(TcpClient socket)
    {
        try
        {
            socket.Client.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            if (Offline)
            {
                Reset(client);
                continue;
            }
            var server = new TcpClient();
            await server.ConnectAsync(_target);
            lock (_gate) _open.Add((client, server));
            _ = PumpAsync(client.GetStream(), server.GetStream());
            _ = PumpAsync(server.GetStream(), client.GetStream());
        }
    }

    private static async Task PumpAsync(Stream from, Stream to)
    {
        try
        {
            await from.CopyToAsync(to);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            // The other side went away, or the relay dropped it on purpose.
        }
        finally
        {
            try { to.Dispose(); } catch (ObjectDisposedException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Drop();
        await _accepting;
        _stop.Dispose();
    }
}
