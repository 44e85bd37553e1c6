using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;

namespace Therese.Server.Storage;

/// <summary>
/// The Data Protection key ring shared by several instances (in PostgreSQL). Instances that start
/// together on an empty ring would each create a key at once, and one would not know the others'
/// keys until it reloads the ring: cookies and saved API keys encrypted by one would be unreadable by
/// another. So the first key is created here, once, under a database lock.
/// </summary>
public static class SharedKeyRing
{
    // Any constant: it names THÉRÈSE's advisory lock in the database.
    private const long LockId = 0x54_48_45_52_45_53_45; // "THERESE"

    public static async Task EnsureKeyAsync(IServiceProvider services, ThereseDb db)
    {
        var keys = services.GetRequiredService<IKeyManager>();
        var clock = services.GetRequiredService<TimeProvider>();
        await db.Database.OpenConnectionAsync();
        try
        {
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_lock({0})", LockId);
            var now = clock.GetUtcNow();
            var usable = keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now.AddDays(2));
            if (!usable) keys.CreateNewKey(now, now.AddDays(90));
        }
        finally
        {
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock({0})", LockId);
            await db.Database.CloseConnectionAsync();
        }
    }
}
