namespace Mtaeda.Ridership.Infrastructure;

/// <summary>Settings of the ridership service, bound from the <c>Ridership</c> configuration section.</summary>
public sealed class RidershipOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Ridership";

    /// <summary>The Dapr state store holding the counters and markers (default <c>statestore</c>); it must be transactional.</summary>
    public string StateStoreName { get; set; } = "statestore";

    /// <summary>
    /// How long a counted event's marker is kept (default 7 days): a duplicate delivered later would be counted again,
    /// so keep it above the broker's redelivery horizon. Null keeps markers forever.
    /// </summary>
    public TimeSpan? ProcessedRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How many read-modify-write attempts one delivery gets before it fails and Dapr redelivers its events.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>
    /// Most events in one bulk delivery of the <c>passages</c> topic (default 100); they are counted in one state
    /// transaction, so keep it within the store's transaction limit (about 4 operations per event plus the counters).
    /// </summary>
    public int BulkMaxMessages { get; set; } = 100;

    /// <summary>How long Dapr waits to fill a bulk delivery (default 50 ms): an upper bound on the latency it adds.</summary>
    public TimeSpan BulkMaxAwait { get; set; } = TimeSpan.FromMilliseconds(50);
}
