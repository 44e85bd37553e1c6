namespace Therese.FakeLlm;

internal static class Polling
{
    /// <summary>Polls a log every 10 ms until an entry matches; the timeout message lists every entry logged.</summary>
    public static async Task<T> WaitForAsync<T>(Func<IReadOnlyList<T>> snapshot, Func<T, bool> match, TimeSpan timeout, string who)
    {
        ArgumentNullException.ThrowIfNull(match);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var entries = snapshot();
            foreach (var entry in entries)
                if (match(entry)) return entry;
            if (DateTime.UtcNow >= deadline)
            {
                var seen = entries.Count == 0 ? "  (no request logged)" : string.Join("\n", entries.Select(e => "  " + e));
                throw new TimeoutException($"{who}: no logged request matched within {timeout.TotalMilliseconds:0} ms. Logged requests ({entries.Count}):\n{seen}");
            }
            await Task.Delay(10);
        }
    }
}
