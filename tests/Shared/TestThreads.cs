using System.Runtime.CompilerServices;

namespace Therese.Testing;

internal static class TestThreads
{
    /// <summary>
    /// Test classes run in parallel, each starting a server, a fake provider and SDK clients on two cores.
    /// Some of that start-up blocks pool threads (WebApplicationFactory starts its host synchronously),
    /// and the pool adds threads only about once a second: a test could then see its fake provider or
    /// its server stall for most of a second. Enough threads from the start remove those stalls.
    /// </summary>
#pragma warning disable CA2255 // A test assembly is the one place where a module initializer is right.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Init()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));
    }
}
