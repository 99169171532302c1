using System.Runtime.InteropServices;
using System.Text.Json;
using Dapr;
using Dapr.Client;

namespace Mtaeda.Identification.Infrastructure;

/// <summary>A template as stored: its id and its values, little-endian float32, base64.</summary>
/// <param name="Id">Template id.</param>
/// <param name="Values">The values.</param>
public sealed record TemplateRecord(string Id, string Values)
{
    /// <summary>Stores <paramref name="values"/>.</summary>
    /// <param name="id">Template id.</param>
    /// <param name="values">The values.</param>
    /// <returns>The record.</returns>
    public static TemplateRecord Of(string id, ReadOnlySpan<float> values) => new(id, Convert.ToBase64String(MemoryMarshal.AsBytes(values)));

    /// <summary>The values.</summary>
    /// <returns>A new array.</returns>
    public float[] Read() => MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(Values)).ToArray();
}

/// <summary>An offender on the watch list, as stored (encrypted at rest).</summary>
public sealed record OffenderRecord(string Id, string CaseReference, int AlertLevel, List<string> Recipients, List<TemplateRecord> Templates,
    DateTimeOffset ListedAt, DateTimeOffset UpdatedAt);

/// <summary>A passenger enrolled for identification, as stored (encrypted at rest).</summary>
public sealed record PassengerRecord(string Id, List<TemplateRecord> Templates, ulong Version, DateTimeOffset EnrolledAt);

/// <summary>A camera and the turnstile it watches, as equipment announced it.</summary>
public sealed record CameraRecord(string CameraId, string TurnstileId, string StationId, DateTimeOffset InstalledAt);

/// <summary>An event written with the change that caused it, published after the commit (and again by the sweep until it is).</summary>
public sealed record OutboxEvent(string Id, string Topic, string Type, string Json, string Subject);

/// <summary>One write of a transaction: a value (null deletes) and the ETag it was read with (null: must not exist).</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The JSON value, or null to delete.</param>
/// <param name="ETag">The ETag read; null for a key that must not exist yet (a delete without an ETag is unconditional).</param>
public sealed record StateWrite(string Key, byte[]? Value, string? ETag);

/// <summary>
/// Identification's state, in its own store (<see cref="IdentificationOptions.StateStore"/>), which Dapr encrypts at
/// rest: keys and what they hold. Nothing of a capture that matched no one ever comes here.
/// </summary>
public sealed class IdentificationStore(DaprClient dapr, IdentificationOptions options)
{
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite, Consistency = ConsistencyMode.Strong };

    /// <summary>The state key of an offender.</summary>
    public static string OffenderKey(string id) => "offender|" + id;

    /// <summary>The state key of a passenger's enrolment.</summary>
    public static string PassengerKey(string id) => "passenger|" + id;

    /// <summary>The state key of a camera.</summary>
    public static string CameraKey(string id) => "camera|" + id;

    /// <summary>The state key of an identification.</summary>
    public static string IdentificationKey(string id) => "identification|" + id;

    /// <summary>The state key of a person's interactions.</summary>
    public static string InteractionsKey(Domain.PersonRef person) => $"interactions|{(person.Kind == Domain.PersonKind.Offender ? "offender" : "passenger")}|{person.Id}";

    /// <summary>The state key of the audit trail's last sequence.</summary>
    public const string AuditHeadKey = "watch-list|audit-head";

    /// <summary>The state key of one audit entry.</summary>
    public static string AuditKey(ulong sequence) => "watch-list|audit|" + sequence.ToString("D12", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The state key of the events written and not yet published.</summary>
    public const string OutboxKey = "outbox";

    /// <summary>The sorted index of listed offenders.</summary>
    public ServiceDefaults.SortedIdIndex Offenders { get; } = new(dapr, options.StateStore, "offenders", "offender");

    /// <summary>The sorted index of enrolled passengers.</summary>
    public ServiceDefaults.SortedIdIndex Passengers { get; } = new(dapr, options.StateStore, "passengers", "passenger");

    /// <summary>Reads a value and its ETag.</summary>
    public async Task<(T? Value, string? ETag)> GetAsync<T>(string key, CancellationToken cancellationToken)
        where T : class
    {
        var (value, etag) = await dapr.GetStateAndETagAsync<T?>(options.StateStore, key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
        return (value, string.IsNullOrEmpty(etag) ? null : etag);
    }

    /// <summary>Reads many values (missing keys left out).</summary>
    public async Task<IReadOnlyDictionary<string, T>> GetManyAsync<T>(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0) return new Dictionary<string, T>();
        var items = await dapr.GetBulkStateAsync(options.StateStore, keys, parallelism: null, cancellationToken: cancellationToken);
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (!string.IsNullOrEmpty(item.Value) && JsonSerializer.Deserialize<T>(item.Value, JsonSerializerOptions.Web) is { } value) result[item.Key] = value;
        }
        return result;
    }

    /// <summary>Serialises a value as the store keeps it.</summary>
    public static byte[] Json<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, JsonSerializerOptions.Web);

    /// <summary>
    /// Writes all of <paramref name="writes"/> in one state transaction, each guarded by its ETag (or by not existing yet);
    /// false when the store refused it (a concurrent change, or the store failing): read again and decide again.
    /// </summary>
    public async Task<bool> TryCommitAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken)
    {
        var operations = writes.Select(w => w.Value is null
            ? new StateTransactionRequest(w.Key, null, StateOperationType.Delete, etag: w.ETag, metadata: null, options: w.ETag is null ? null : FirstWrite)
            : new StateTransactionRequest(w.Key, w.Value, StateOperationType.Upsert, etag: w.ETag, metadata: null, options: FirstWrite)).ToList();
        try
        {
            await dapr.ExecuteStateTransactionAsync(options.StateStore, operations, cancellationToken: cancellationToken);
            return true;
        }
        catch (DaprException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Runs <paramref name="attempt"/> until it commits (at most 20 times, with a short random wait between).</summary>
    public static async Task<T> RetryAsync<T>(Func<CancellationToken, Task<(bool Done, T Result)>> attempt, string what, CancellationToken cancellationToken)
    {
        for (var i = 1; ; i++)
        {
            var (done, result) = await attempt(cancellationToken);
            if (done) return result;
            if (i == 20) throw new InvalidOperationException($"{what} stayed contended or the store kept refusing it for 20 attempts");
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 10 * i)), cancellationToken);
        }
    }
}
