using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Mtaeda.Ridership.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Ridership.Handlers;

/// <summary>What became of one PassagesRecorded event.</summary>
public enum CountOutcome
{
    /// <summary>Counted now.</summary>
    Counted = 1,

    /// <summary>Counted before (same CloudEvent id, or the same turnstile batch under another id): nothing added.</summary>
    Duplicate = 2,
}

/// <summary>
/// Counts a batch of passages exactly once, with one read and one state transaction (see
/// <c>docs/adr/0002-ridership-counting.md</c>):
/// <list type="number">
/// <item><description>one bulk read of the event's marker, its batch's marker, the turnstile's info and every counter
/// document the batch adds to (<see cref="Counting.Plan"/>), each with its ETag;</description></item>
/// <item><description>a marker already there means a duplicate: acknowledged, nothing counted;</description></item>
/// <item><description>else one transaction: insert both markers (first-write, no ETag: refused if they exist) and write
/// every counter document back with the ETag it was read with (or first-write when it did not exist). Any conflict
/// aborts the whole transaction; the read-modify-write is then done again (a concurrent delivery of the same event
/// shows up as its marker on the re-read).</description></item>
/// </list>
/// Within one replica the counts are written by one caller at a time, so its own deliveries never conflict; conflicts
/// come only from other replicas, and each retry re-reads.
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">Store and retention.</param>
/// <param name="time">The clock.</param>
/// <param name="logger">The logger.</param>
public sealed partial class PassageCounter(DaprClient dapr, RidershipOptions options, TimeProvider time, ILogger<PassageCounter> logger) : IDisposable
{
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite, Consistency = ConsistencyMode.Strong };

    private static readonly Counter<long> Passages = MtaedaTelemetry.Meter.CreateCounter<long>(
        "mtaeda.ridership.passages", unit: "{passage}", description: "Passages counted by ridership, by direction (ingress, egress).");

    private static readonly Counter<long> Batches = MtaedaTelemetry.Meter.CreateCounter<long>(
        "mtaeda.ridership.batches", unit: "{batch}", description: "PassagesRecorded events seen by ridership, by outcome (counted, duplicate).");

    private static readonly Counter<long> Conflicts = MtaedaTelemetry.Meter.CreateCounter<long>(
        "mtaeda.ridership.conflicts", unit: "{conflict}", description: "Counting transactions refused by the store (ETag conflicts) and retried.");

    private readonly SemaphoreSlim _writer = new(1, 1);

    /// <summary>Counts <paramref name="batch"/> unless event <paramref name="eventId"/> (or the same batch) was counted before.</summary>
    /// <param name="eventId">The CloudEvent id.</param>
    /// <param name="batch">The batch.</param>
    /// <param name="cancellationToken">Cancels the counting; nothing is counted then.</param>
    /// <returns>Whether it was counted now or before.</returns>
    /// <exception cref="DaprException">The store kept refusing or failing for <see cref="RidershipOptions.MaxAttempts"/> attempts.</exception>
    public async Task<CountOutcome> CountAsync(string eventId, PassageBatch batch, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        ArgumentNullException.ThrowIfNull(batch);
        var eventKey = RidershipKeys.CountedEvent(eventId);
        var batchKey = batch.BatchId.Length > 0 ? RidershipKeys.CountedBatch(batch.TurnstileId, batch.BatchId) : null;
        var infoKey = RidershipKeys.TurnstileInfo(batch.TurnstileId);
        var plan = Counting.Plan(batch);
        List<string> keys = [eventKey, infoKey, .. plan.Select(update => update.Key)];
        if (batchKey is not null) keys.Add(batchKey);

        await _writer.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var read = (await dapr.GetBulkStateAsync(options.StateStoreName, keys, parallelism: null, cancellationToken: cancellationToken))
                    .ToDictionary(item => item.Key, StringComparer.Ordinal);
                if (Exists(read, eventKey) || (batchKey is not null && Exists(read, batchKey)))
                {
                    Batches.Add(1, new KeyValuePair<string, object?>("mtaeda.outcome", "duplicate"));
                    LogDuplicate(eventId, batch.TurnstileId, batch.BatchId);
                    return CountOutcome.Duplicate;
                }

                var now = time.GetUtcNow();
                var marker = JsonSerializer.SerializeToUtf8Bytes(new CountedMarker(eventId, batch.TurnstileId, batch.BatchId, now));
                var operations = new List<StateTransactionRequest> { Insert(eventKey, marker) };
                if (batchKey is not null) operations.Add(Insert(batchKey, marker));
                if (Counting.TurnstileInfo(Tally.FromJson(Value(read, infoKey)), batch) is { } info)
                {
                    operations.Add(Write(infoKey, info.ToJson(), ETag(read, infoKey)));
                }

                foreach (var update in plan)
                {
                    var next = Counting.Apply(Tally.FromJson(Value(read, update.Key)), update.Role, batch, now);
                    operations.Add(Write(update.Key, next.ToJson(), ETag(read, update.Key)));
                }

                try
                {
                    await dapr.ExecuteStateTransactionAsync(options.StateStoreName, operations, cancellationToken: cancellationToken);
                }
                catch (DaprException refused) when (attempt < options.MaxAttempts && !cancellationToken.IsCancellationRequested)
                {
                    // An ETag or first-write conflict (another replica counted into the same documents, or the same event
                    // is being counted elsewhere), or a store hiccup: read again and decide again.
                    Conflicts.Add(1);
                    LogRetry(eventId, attempt, refused.InnerException?.Message ?? refused.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt)), cancellationToken);
                    continue;
                }

                Batches.Add(1, new KeyValuePair<string, object?>("mtaeda.outcome", "counted"));
                Passages.Add(batch.Counts.Ingress, new KeyValuePair<string, object?>("mtaeda.direction", "ingress"));
                Passages.Add(batch.Counts.Egress, new KeyValuePair<string, object?>("mtaeda.direction", "egress"));
                return CountOutcome.Counted;
            }
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _writer.Dispose();

    private StateTransactionRequest Insert(string key, byte[] value) =>
        new(key, value, StateOperationType.Upsert, etag: null, metadata: Retention(), options: FirstWrite);

    private static StateTransactionRequest Write(string key, byte[] value, string? etag) =>
        // With the ETag read: refused if the document changed since. Without (it did not exist): refused if it exists now.
        new(key, value, StateOperationType.Upsert, etag: string.IsNullOrEmpty(etag) ? null : etag, metadata: null, options: FirstWrite);

    private Dictionary<string, string>? Retention() => options.ProcessedRetention is { } retention
        ? new Dictionary<string, string> { ["ttlInSeconds"] = Math.Ceiling(retention.TotalSeconds).ToString(CultureInfo.InvariantCulture) }
        : null;

    private static bool Exists(Dictionary<string, BulkStateItem> read, string key) => !string.IsNullOrEmpty(Value(read, key));

    private static string? Value(Dictionary<string, BulkStateItem> read, string key) => read.TryGetValue(key, out var item) ? item.Value : null;

    private static string? ETag(Dictionary<string, BulkStateItem> read, string key) => read.TryGetValue(key, out var item) ? item.ETag : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "PassagesRecorded {EventId} (turnstile {TurnstileId}, batch {BatchId}) was counted before; acknowledging the duplicate")]
    private partial void LogDuplicate(string eventId, string turnstileId, string batchId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Counting PassagesRecorded {EventId} was refused on attempt {Attempt} ({Reason}); reading again")]
    private partial void LogRetry(string eventId, int attempt, string reason);

    private sealed record CountedMarker(string EventId, string TurnstileId, string BatchId, DateTimeOffset CountedAt);
}
