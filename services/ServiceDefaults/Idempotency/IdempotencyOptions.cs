namespace Mtaeda.ServiceDefaults;

/// <summary>
/// Settings of <see cref="IdempotencyGuard"/>, bound from the configuration section <see cref="SectionName"/>
/// (e.g. <c>Idempotency__StateStoreName=statestore</c>).
/// </summary>
public sealed class IdempotencyOptions
{
    /// <summary>The configuration section the options are bound from: <c>Idempotency</c>.</summary>
    public const string SectionName = "Idempotency";

    /// <summary>
    /// The Dapr state store holding the processed-event markers (default <c>statestore</c>). It must support
    /// first-write concurrency and TTL (state.redis, state.postgresql, state.in-memory do).
    /// </summary>
    public string StateStoreName { get; set; } = "statestore";

    /// <summary>
    /// How long a handled event id is remembered (state metadata <c>ttlInSeconds</c>); default 7 days. A duplicate
    /// delivered later than this runs again, so keep it longer than the broker's redelivery horizon.
    /// <see langword="null"/> keeps markers forever.
    /// </summary>
    public TimeSpan? ProcessedRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a delivery holds its in-progress claim (default 5 minutes). If the process dies mid-handler the
    /// claim expires after this and a redelivery can run the handler; a handler that runs longer than this may see a
    /// concurrent duplicate run too. Keep it well above the slowest handler.
    /// </summary>
    public TimeSpan InProgressLease { get; set; } = TimeSpan.FromMinutes(5);
}
