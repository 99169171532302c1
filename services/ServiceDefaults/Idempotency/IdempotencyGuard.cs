using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Dapr;
using Dapr.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// <see cref="IIdempotencyGuard"/> on the Dapr state API: it works unchanged on real Dapr and on the local runtime,
/// against any state store with first-write concurrency and TTL.
/// </summary>
/// <remarks>
/// <para><b>Protocol.</b> One state entry per (consumer, event id), key <see cref="StateKey"/>:</para>
/// <list type="number">
/// <item><description><b>Claim</b>: insert <c>{status: "processing"}</c> with first-write concurrency and no ETag, which
/// the store accepts only if the key does not exist yet, with TTL <see cref="IdempotencyOptions.InProgressLease"/>.
/// Of two concurrent deliveries only one insert succeeds, so only one runs the handler. A refused insert is told
/// apart from a store failure by reading the key back (Dapr does not report the first-write conflict with the same
/// status code on every store): <c>done</c> means a duplicate (return <see langword="false"/>), <c>processing</c> means
/// a concurrent delivery (throw <see cref="EventInProgressException"/> → 409 → Dapr retries later).</description></item>
/// <item><description><b>Run</b> the handler.</description></item>
/// <item><description><b>On success</b>: read the claim back with its ETag and, if it is still this delivery's, replace it
/// with <c>{status: "done"}</c> and TTL <see cref="IdempotencyOptions.ProcessedRetention"/>, first-write with that ETag.
/// Not a plain last-write save: components-contrib's <c>state.redis</c> keeps a key saved with first-write concurrency
/// marked so until it is deleted or expires, and refuses every later save of it without an ETag ("failed to set key",
/// Internal), so a last-write "done" would never be stored there. The ETag also keeps a delivery whose lease ran out
/// from overwriting the claim of the delivery that took over (logged as a warning).</description></item>
/// <item><description><b>On failure</b>: delete the claim (only if it is still this delivery's, checked by ETag) and
/// rethrow, so the id does not stay marked and the redelivery that Dapr makes for the failed call runs the handler
/// again.</description></item>
/// </list>
/// <para><b>Why claim first rather than mark after success.</b> Marking only after success cannot stop two concurrent
/// deliveries from both running the handler to completion; the claim does, at the price of an in-progress state that
/// must expire (the lease) if the process dies mid-handler.</para>
/// <para><b>What remains at-least-once.</b> The handler's effects and the "done" marker are two writes, not one
/// transaction. If the process dies after the handler's effects are committed but before "done" is written, or the
/// claim lease runs out while the handler is still running, or the "done" write fails (logged as an error), a later
/// delivery of the same id runs the handler again. Handlers must therefore still make their own writes safe to repeat
/// (upserts keyed by the event id, actor state transitions that check the current state); the guard makes repeats
/// rare, not impossible. A handler that writes its effects to the same state store can get exactly-once by writing
/// them and the marker in one <c>ExecuteStateTransactionAsync</c> instead.</para>
/// </remarks>
public sealed partial class IdempotencyGuard : IIdempotencyGuard
{
    internal const string Processing = "processing";
    internal const string Done = "done";
    private const int MaxClaimAttempts = 3;

    private static readonly StateOptions LastWrite = new() { Concurrency = ConcurrencyMode.LastWrite, Consistency = ConsistencyMode.Strong };

    private static readonly Counter<long> Deliveries = MtaedaTelemetry.Meter.CreateCounter<long>(
        "mtaeda.idempotency.deliveries", unit: "{delivery}",
        description: "Deliveries seen by the idempotency guard, by consumer and outcome (executed, duplicate, in_progress, failed).");

    private static readonly Histogram<double> HandlerDuration = MtaedaTelemetry.Meter.CreateHistogram<double>(
        "mtaeda.event_handler.duration", unit: "s",
        description: "Duration of event handlers run by the idempotency guard, by consumer and outcome.");

    private readonly DaprClient dapr;
    private readonly IdempotencyOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<IdempotencyGuard> logger;

    /// <summary>Creates the guard.</summary>
    /// <param name="dapr">The Dapr client used for the state API.</param>
    /// <param name="options">Store name, retention and lease.</param>
    /// <param name="time">The clock (timestamps in the markers, handler durations).</param>
    /// <param name="logger">The logger.</param>
    public IdempotencyGuard(DaprClient dapr, IOptions<IdempotencyOptions> options, TimeProvider time, ILogger<IdempotencyGuard> logger)
    {
        ArgumentNullException.ThrowIfNull(dapr);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        this.options = options.Value;
        ArgumentException.ThrowIfNullOrWhiteSpace(this.options.StateStoreName, "options.StateStoreName");
        ArgumentOutOfRangeException.ThrowIfLessThan(this.options.InProgressLease, TimeSpan.FromSeconds(1), "options.InProgressLease");
        if (this.options.ProcessedRetention is { } retention)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(retention, TimeSpan.FromSeconds(1), "options.ProcessedRetention");
        }

        this.dapr = dapr;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>
    /// The state key of one (consumer, event id): <c>processed:{consumer}:{eventId}</c>, each part URI-escaped. Dapr
    /// refuses keys containing <c>||</c> (its own separator between app-id prefix and key), so the parts are escaped
    /// rather than joined with it; the escaping is unambiguous and leaves ordinary ids (UUIDs) unchanged.
    /// </summary>
    /// <param name="consumer">The consumer name.</param>
    /// <param name="eventId">The CloudEvent id.</param>
    /// <returns>The state key.</returns>
    public static string StateKey(string consumer, string eventId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(consumer);
        ArgumentException.ThrowIfNullOrWhiteSpace(eventId);
        return $"processed:{Uri.EscapeDataString(consumer)}:{Uri.EscapeDataString(eventId)}";
    }

    /// <inheritdoc />
    public async Task<bool> RunOnceAsync(string consumer, string eventId, Func<CancellationToken, Task> handler, CancellationToken cancellationToken = default)
    {
        var key = StateKey(consumer, eventId);
        ArgumentNullException.ThrowIfNull(handler);

        using var activity = MtaedaTelemetry.ActivitySource.StartActivity($"handle {consumer}");
        activity?.SetTag("messaging.message.id", eventId);
        activity?.SetTag("mtaeda.consumer", consumer);

        var claimId = Guid.NewGuid().ToString("N");
        switch (await ClaimAsync(key, claimId, cancellationToken))
        {
            case Claim.AlreadyDone:
                Record(activity, consumer, "duplicate");
                LogDuplicate(consumer, eventId);
                return false;
            case Claim.HeldByAnother:
                Record(activity, consumer, "in_progress");
                LogInProgress(consumer, eventId);
                throw new EventInProgressException(consumer, eventId);
        }

        var started = time.GetTimestamp();
        try
        {
            await handler(cancellationToken);
        }
        catch (Exception ex)
        {
            HandlerDuration.Record(time.GetElapsedTime(started).TotalSeconds, Tags(consumer, "failed"));
            Record(activity, consumer, "failed");
            activity?.AddException(ex);
            activity?.SetStatus(ActivityStatusCode.Error);
            await ReleaseAsync(key, claimId, consumer, eventId);
            throw;
        }

        HandlerDuration.Record(time.GetElapsedTime(started).TotalSeconds, Tags(consumer, "executed"));
        Record(activity, consumer, "executed");
        await MarkDoneAsync(key, claimId, consumer, eventId);
        return true;
    }

    private async Task<Claim> ClaimAsync(string key, string claimId, CancellationToken cancellationToken)
    {
        var marker = new ProcessedEventMarker(Processing, claimId, time.GetUtcNow());
        DaprException? refusal = null;
        for (var attempt = 0; attempt < MaxClaimAttempts; attempt++)
        {
            try
            {
                await dapr.SaveStateAsync(options.StateStoreName, key, marker, StateTransactions.FirstWrite, Ttl(options.InProgressLease), cancellationToken);
                return Claim.Acquired;
            }
            catch (DaprException ex)
            {
                refusal = ex;
            }

            // Refused: either the key exists (first-write conflict) or the store failed. The marker says which.
            var existing = await dapr.GetStateAsync<ProcessedEventMarker?>(options.StateStoreName, key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
            if (existing is not null)
            {
                return existing.Status == Done ? Claim.AlreadyDone : Claim.HeldByAnother;
            }

            // Gone in between (the other delivery failed and released it, or its lease ran out): try again.
        }

        throw new DaprException($"Could not claim '{key}' in state store '{options.StateStoreName}' after {MaxClaimAttempts} attempts.", refusal!);
    }

    private async Task MarkDoneAsync(string key, string claimId, string consumer, string eventId)
    {
        // CancellationToken.None: the handler's effects are done; losing the marker now would only invite a rerun.
        var done = new ProcessedEventMarker(Done, claimId, time.GetUtcNow());
        var ttl = Ttl(options.ProcessedRetention);
        try
        {
            var etag = await OwnClaimETagAsync(key, claimId);
            if (etag is null)
            {
                LogLeaseLost(consumer, eventId, options.InProgressLease);
                return;
            }

            if (etag.Length == 0)
            {
                await dapr.SaveStateAsync(options.StateStoreName, key, done, LastWrite, ttl, CancellationToken.None);
                return;
            }

            // Over the claim, guarded by its ETag: a save without one is refused by state.redis, which keeps the key
            // "first-write" for good once the claim was saved so, and another delivery's claim is never overwritten.
            if (!await dapr.TrySaveStateAsync(options.StateStoreName, key, done, etag, StateTransactions.FirstWrite, ttl, CancellationToken.None))
            {
                LogLeaseLost(consumer, eventId, options.InProgressLease);
            }
        }
        catch (DaprException ex)
        {
            // Not rethrown: failing the delivery now would make Dapr redeliver an event whose effects are done.
            LogMarkFailed(ex, consumer, eventId, options.InProgressLease);
        }
    }

    private async Task ReleaseAsync(string key, string claimId, string consumer, string eventId)
    {
        try
        {
            var etag = await OwnClaimETagAsync(key, claimId);
            if (etag is null)
            {
                return; // Our lease ran out and another delivery holds the key now: not ours to delete.
            }

            if (etag.Length == 0)
            {
                await dapr.DeleteStateAsync(options.StateStoreName, key, cancellationToken: CancellationToken.None);
                return;
            }

            // False when it changed since we read it: then it is someone else's claim, and stays.
            _ = await dapr.TryDeleteStateAsync(options.StateStoreName, key, etag, StateTransactions.FirstWrite, cancellationToken: CancellationToken.None);
        }
        catch (DaprException ex)
        {
            // The handler's exception is the one that matters; the claim expires with its lease.
            LogReleaseFailed(ex, consumer, eventId, options.InProgressLease);
        }
    }

    /// <summary>
    /// The ETag of this delivery's claim (empty from a store without ETags), or <see langword="null"/> when the key no
    /// longer holds it: the lease ran out, and the key is gone or another delivery's claim.
    /// </summary>
    private async Task<string?> OwnClaimETagAsync(string key, string claimId)
    {
        var (marker, etag) = await dapr.GetStateAndETagAsync<ProcessedEventMarker?>(options.StateStoreName, key, ConsistencyMode.Strong, cancellationToken: CancellationToken.None);
        return marker?.ClaimId == claimId ? etag ?? string.Empty : null;
    }

    private static Dictionary<string, string> Ttl(TimeSpan? ttl) => new()
    {
        // -1 = never expire; it also clears the lease TTL the claim was written with.
        ["ttlInSeconds"] = ttl is { } value ? Math.Ceiling(value.TotalSeconds).ToString(CultureInfo.InvariantCulture) : "-1",
    };

    private static TagList Tags(string consumer, string outcome) => new() { { "mtaeda.consumer", consumer }, { "mtaeda.outcome", outcome } };

    private static void Record(Activity? activity, string consumer, string outcome)
    {
        Deliveries.Add(1, Tags(consumer, outcome));
        activity?.SetTag("mtaeda.idempotency.outcome", outcome);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "CloudEvent {EventId} was already handled by {Consumer}; acknowledging the duplicate")]
    private partial void LogDuplicate(string consumer, string eventId);

    [LoggerMessage(Level = LogLevel.Information, Message = "CloudEvent {EventId} is being handled by another delivery to {Consumer}; asking for a retry")]
    private partial void LogInProgress(string consumer, string eventId);

    [LoggerMessage(Level = LogLevel.Error, Message = "CloudEvent {EventId} was handled by {Consumer} but could not be marked processed; a duplicate arriving after the {Lease} lease would run it again")]
    private partial void LogMarkFailed(Exception exception, string consumer, string eventId, TimeSpan lease);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CloudEvent {EventId} was handled by {Consumer} after its {Lease} claim had run out, so this delivery does not mark it processed and another delivery may run it again; keep Idempotency:InProgressLease above the slowest handler")]
    private partial void LogLeaseLost(string consumer, string eventId, TimeSpan lease);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The claim on CloudEvent {EventId} for {Consumer} could not be released after the handler failed; redeliveries get 409 until the {Lease} lease ends")]
    private partial void LogReleaseFailed(Exception exception, string consumer, string eventId, TimeSpan lease);

    private enum Claim
    {
        Acquired,
        AlreadyDone,
        HeldByAnother,
    }
}

/// <summary>The value stored under <see cref="IdempotencyGuard.StateKey"/>.</summary>
/// <param name="Status"><c>processing</c> while a delivery holds the claim, <c>done</c> once handled.</param>
/// <param name="ClaimId">Which delivery wrote it; lets a failed delivery release only its own claim.</param>
/// <param name="At">When it was written.</param>
internal sealed record ProcessedEventMarker(string Status, string ClaimId, DateTimeOffset At);
