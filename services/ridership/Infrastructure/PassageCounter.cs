using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Mtaeda.Ridership.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Ridership.Infrastructure;

/// <summary>What became of one PassagesRecorded event.</summary>
public enum CountOutcome
{
    /// <summary>Counted now.</summary>
    Counted = 1,

    /// <summary>Counted before (same CloudEvent id, or the same turnstile batch under another id): nothing added.</summary>
    Duplicate = 2,
}

/// <summary>One PassagesRecorded event to count: its CloudEvent id and its batch.</summary>
/// <param name="EventId">The CloudEvent id.</param>
/// <param name="Batch">The batch.</param>
public sealed record CountRequest(string EventId, PassageBatch Batch);

/// <summary>
/// Counts batches of passages exactly once, any number of events with one read and one state transaction (see
/// <c>docs/adr/0002-ridership-counting.md</c>):
/// <list type="number">
/// <item><description>one bulk read of every event's marker, its batch's marker, the turnstiles' info and every counter
/// document the batches add to (<see cref="Counting.Plan"/>), each with its ETag;</description></item>
/// <item><description>an event whose marker is already there (in the store, or earlier in the same call) is a
/// duplicate: acknowledged, nothing counted;</description></item>
/// <item><description>else one transaction: insert the markers of the events counted (first-write, no ETag: refused if
/// they exist) and write every counter document back with the ETag it was read with (or first-write when it did not
/// exist). Any conflict aborts the whole transaction; the read-modify-write is then done again (a concurrent delivery
/// of the same event shows up as its marker on the re-read).</description></item>
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
    public async Task<CountOutcome> CountAsync(string eventId, PassageBatch batch, CancellationToken cancellationToken) =>
        (await CountAsync([new CountRequest(eventId, batch)], cancellationToken))[0];

    /// <summary>Counts every event of <paramref name="requests"/> that was not counted before, all in one transaction.</summary>
    /// <param name="requests">The events, in delivery order.</param>
    /// <param name="cancellationToken">Cancels the counting; nothing is counted then.</param>
    /// <returns>Each event's outcome, in the order of <paramref name="requests"/>.</returns>
    /// <exception cref="DaprException">The store kept refusing or failing for <see cref="RidershipOptions.MaxAttempts"/> attempts; none of the events is counted then.</exception>
    public async Task<IReadOnlyList<CountOutcome>> CountAsync(IReadOnlyList<CountRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var plans = new List<(CountRequest Request, string EventKey, string? BatchKey, string InfoKey, IReadOnlyList<TallyUpdate> Plan)>(requests.Count);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var request in requests)
        {
            ArgumentException.ThrowIfNullOrEmpty(request.EventId);
            ArgumentNullException.ThrowIfNull(request.Batch);
            var batch = request.Batch;
            var eventKey = RidershipKeys.CountedEvent(request.EventId);
            var batchKey = batch.BatchId.Length > 0 ? RidershipKeys.CountedBatch(batch.TurnstileId, batch.BatchId) : null;
            var infoKey = RidershipKeys.TurnstileInfo(batch.TurnstileId);
            var plan = Counting.Plan(batch);
            plans.Add((request, eventKey, batchKey, infoKey, plan));
            keys.Add(eventKey);
            keys.Add(infoKey);
            if (batchKey is not null) keys.Add(batchKey);
            foreach (var update in plan) keys.Add(update.Key);
        }
        if (plans.Count == 0) return [];

        await _writer.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var read = (await dapr.GetBulkStateAsync(options.StateStoreName, [.. keys], parallelism: null, cancellationToken: cancellationToken))
                    .ToDictionary(item => item.Key, StringComparer.Ordinal);
                var now = time.GetUtcNow();
                var outcomes = new CountOutcome[plans.Count];
                var marked = new HashSet<string>(StringComparer.Ordinal);
                var documents = new Dictionary<string, Tally?>(StringComparer.Ordinal);
                var operations = new List<StateTransactionRequest>();
                Tally? Document(string key) => documents.TryGetValue(key, out var changed) ? changed : Tally.FromJson(Value(read, key));
                for (var i = 0; i < plans.Count; i++)
                {
                    var (request, eventKey, batchKey, infoKey, plan) = plans[i];
                    if (Exists(read, eventKey) || marked.Contains(eventKey) || (batchKey is not null && (Exists(read, batchKey) || marked.Contains(batchKey))))
                    {
                        outcomes[i] = CountOutcome.Duplicate;
                        LogDuplicate(request.EventId, request.Batch.TurnstileId, request.Batch.BatchId);
                        continue;
                    }
                    outcomes[i] = CountOutcome.Counted;
                    var marker = JsonSerializer.SerializeToUtf8Bytes(new CountedMarker(request.EventId, request.Batch.TurnstileId, request.Batch.BatchId, now));
                    marked.Add(eventKey);
                    operations.Add(Insert(eventKey, marker));
                    if (batchKey is not null && marked.Add(batchKey)) operations.Add(Insert(batchKey, marker));
                    if (Counting.TurnstileInfo(Document(infoKey), request.Batch) is { } info) documents[infoKey] = info;
                    foreach (var update in plan) documents[update.Key] = Counting.Apply(Document(update.Key), update.Role, request.Batch, now);
                }
                if (operations.Count == 0) return outcomes;
                foreach (var (key, document) in documents) operations.Add(Write(key, document!.ToJson(), ETag(read, key)));

                try
                {
                    await dapr.ExecuteStateTransactionAsync(options.StateStoreName, operations, cancellationToken: cancellationToken);
                }
                catch (DaprException refused) when (attempt < options.MaxAttempts && !cancellationToken.IsCancellationRequested)
                {
                    // An ETag or first-write conflict (another replica counted into the same documents, or the same event
                    // is being counted elsewhere), or a store hiccup: read again and decide again.
                    Conflicts.Add(1);
                    LogRetry(plans[0].Request.EventId, plans.Count, attempt, refused.InnerException?.Message ?? refused.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt)), cancellationToken);
                    continue;
                }

                for (var i = 0; i < plans.Count; i++)
                {
                    var batch = plans[i].Request.Batch;
                    Batches.Add(1, new KeyValuePair<string, object?>("mtaeda.outcome", outcomes[i] == CountOutcome.Counted ? "counted" : "duplicate"));
                    if (outcomes[i] != CountOutcome.Counted) continue;
                    Passages.Add(batch.Counts.Ingress, new KeyValuePair<string, object?>("mtaeda.direction", "ingress"));
                    Passages.Add(batch.Counts.Egress, new KeyValuePair<string, object?>("mtaeda.direction", "egress"));
                }
                return outcomes;
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
        new(key, value, StateOperationType.Upsert, etag: null, metadata: Retention(), options: StateTransactions.FirstWrite);

    private static StateTransactionRequest Write(string key, byte[] value, string? etag) =>
        // With the ETag read: refused if the document changed since. Without (it did not exist): refused if it exists now.
        new(key, value, StateOperationType.Upsert, etag: string.IsNullOrEmpty(etag) ? null : etag, metadata: null, options: StateTransactions.FirstWrite);

    private Dictionary<string, string>? Retention() => options.ProcessedRetention is { } retention
        ? new Dictionary<string, string> { ["ttlInSeconds"] = Math.Ceiling(retention.TotalSeconds).ToString(CultureInfo.InvariantCulture) }
        : null;

    private static bool Exists(Dictionary<string, BulkStateItem> read, string key) => !string.IsNullOrEmpty(Value(read, key));

    private static string? Value(Dictionary<string, BulkStateItem> read, string key) => read.TryGetValue(key, out var item) ? item.Value : null;

    private static string? ETag(Dictionary<string, BulkStateItem> read, string key) => read.TryGetValue(key, out var item) ? item.ETag : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "PassagesRecorded {EventId} (turnstile {TurnstileId}, batch {BatchId}) was counted before; acknowledging the duplicate")]
    private partial void LogDuplicate(string eventId, string turnstileId, string batchId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Counting PassagesRecorded {EventId} (and {Count} events with it) was refused on attempt {Attempt} ({Reason}); reading again")]
    private partial void LogRetry(string eventId, int count, int attempt, string reason);

    private sealed record CountedMarker(string EventId, string TurnstileId, string BatchId, DateTimeOffset CountedAt);
}
