namespace Mtaeda.Gateway.Domain;

/// <summary>
/// The two acknowledgement watermarks of a device (see <c>gateway.proto</c>), from what still holds its signals back.
/// Signals whose outcome needs nothing (heartbeats, signals refused as invalid) are covered as soon as everything before
/// them is.
/// </summary>
public static class Watermarks
{
    /// <summary>
    /// <c>accepted_through</c>: every sequence below the first one not yet durable, i.e. below the first passage waiting
    /// in the open batch or the first signal of an entry the journal has not fsynced yet; <paramref name="received"/>
    /// when nothing is waiting.
    /// </summary>
    /// <param name="received">Highest sequence taken from the device.</param>
    /// <param name="firstInOpenBatch">First passage of the open batch, 0 when none.</param>
    /// <param name="firstNotDurable">First sequence of the oldest entry not yet durable, 0 when none.</param>
    /// <returns>The watermark.</returns>
    public static ulong Accepted(ulong received, ulong firstInOpenBatch, ulong firstNotDurable) =>
        Below(received, firstInOpenBatch, firstNotDurable, 0);

    /// <summary>
    /// <c>forwarded_through</c>: every sequence below the first one without an outcome on this stream, i.e. below the
    /// open batch, the oldest entry not yet recorded or refused by equipment, and the oldest rejection not yet written
    /// to the device.
    /// </summary>
    /// <param name="received">Highest sequence taken from the device.</param>
    /// <param name="firstInOpenBatch">First passage of the open batch, 0 when none.</param>
    /// <param name="firstPending">First sequence of the oldest entry without an outcome, 0 when none.</param>
    /// <param name="firstUndelivered">First sequence of the oldest rejection not yet written to the device, 0 when none.</param>
    /// <returns>The watermark.</returns>
    public static ulong Forwarded(ulong received, ulong firstInOpenBatch, ulong firstPending, ulong firstUndelivered) =>
        Below(received, firstInOpenBatch, firstPending, firstUndelivered);

    private static ulong Below(ulong received, ulong a, ulong b, ulong c)
    {
        var first = ulong.MaxValue;
        if (a > 0 && a < first) first = a;
        if (b > 0 && b < first) first = b;
        if (c > 0 && c < first) first = c;
        return first == ulong.MaxValue ? received : Math.Min(received, first - 1);
    }
}
