using System.Security.Cryptography;
using System.Text;

namespace Mtaeda.Identification.Domain;

/// <summary>
/// Capture ids seen lately, to refuse a duplicate, held in memory only and only as a keyed hash (HMAC-SHA-256 with a
/// key made for this process, cut to 128 bits): nothing here can be written anywhere, and the ids cannot be read back.
/// An id is forgotten after <c>window</c>, or earlier when more than <c>capacity</c> are held (oldest first).
/// </summary>
/// <param name="window">How long an id is remembered.</param>
/// <param name="capacity">How many ids at most.</param>
/// <param name="time">The clock.</param>
public sealed class RecentCaptures(TimeSpan window, int capacity, TimeProvider time)
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly HashSet<UInt128> _seen = [];
    private readonly Queue<(UInt128 Hash, DateTimeOffset At)> _order = new();
    private readonly Lock _lock = new();

    /// <summary>Remembers <paramref name="captureId"/>; false when it was seen within the window.</summary>
    /// <param name="captureId">The capture id.</param>
    /// <returns>True the first time.</returns>
    public bool TryAdd(string captureId)
    {
        var hash = Hash(captureId);
        var now = time.GetUtcNow();
        lock (_lock)
        {
            while (_order.Count > 0 && (_order.Count >= capacity || now - _order.Peek().At > window))
                _seen.Remove(_order.Dequeue().Hash);
            if (!_seen.Add(hash)) return false;
            _order.Enqueue((hash, now));
            return true;
        }
    }

    /// <summary>Forgets <paramref name="captureId"/> (a capture refused after it was remembered may be sent again).</summary>
    /// <param name="captureId">The capture id.</param>
    public void Forget(string captureId)
    {
        var hash = Hash(captureId);
        lock (_lock) _seen.Remove(hash);
    }

    private UInt128 Hash(string captureId)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(captureId), mac);
        return new UInt128(BitConverter.ToUInt64(mac[..8]), BitConverter.ToUInt64(mac[8..16]));
    }
}
