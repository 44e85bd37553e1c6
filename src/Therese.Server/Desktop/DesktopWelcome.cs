using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Therese.Server.Storage;

namespace Therese.Server.Desktop;

/// <summary>
/// Once THÉRÈSE listens: says in French where, and where the conversations are kept, then opens the browser.
/// Also stops THÉRÈSE cleanly when its console window is closed, as Ctrl+C does, so that an answer being
/// written is saved as interrupted right away.
/// </summary>
internal sealed class DesktopWelcome(
    IHostApplicationLifetime lifetime, IServer server, DesktopOptions options, DataDirectory data, StorageOptions storage) : IHostedService
{
    private PosixSignalRegistration? _hangup;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(Welcome);
        try
        {
            // Closing a terminal sends SIGHUP (CTRL_CLOSE_EVENT on Windows), which ends the process at once unless handled;
            // the host itself handles only Ctrl+C and SIGTERM.
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnHangup);
        }
        catch (PlatformNotSupportedException)
        {
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _hangup?.Dispose();
        return Task.CompletedTask;
    }

    private void OnHangup(PosixSignalContext context)
    {
        context.Cancel = true;
        lifetime.StopApplication();
        // Windows ends the process as soon as this handler returns (and after 5 s in any case): wait for the shutdown.
        if (OperatingSystem.IsWindows()) lifetime.ApplicationStopped.WaitHandle.WaitOne(TimeSpan.FromSeconds(4.5));
    }

    private void Welcome()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "";
        var where = storage.IsPostgres ? "dans la base PostgreSQL configurée" : $"dans le dossier {data.Path}";
        Console.Out.WriteLine();
        Console.Out.WriteLine($"THÉRÈSE {AppBuild.Version} est ouverte à l’adresse {address}");
        Console.Out.WriteLine($"Vos conversations sont enregistrées {where}");
        Console.Out.WriteLine(Browser.Announce(address, options.OpenBrowser));
        Console.Out.WriteLine("Pour arrêter THÉRÈSE\u00a0: Ctrl+C, ou fermez cette fenêtre.");
        Console.Out.WriteLine();
    }
}
