using System.Runtime.InteropServices;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Mtaeda.ServiceDefaults;

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
/// <param name="Id">Passenger id.</param>
/// <param name="Templates">The templates.</param>
/// <param name="Version">This record's version (counts its writes; in <c>PassengerEnrollmentChanged</c>).</param>
/// <param name="EnrolledAt">When enrolled.</param>
/// <param name="EnrollmentSequence">Passengers' number of the enrolment (0: unnumbered): a withdrawal covering it deletes it, an earlier one does not.</param>
public sealed record PassengerRecord(string Id, List<TemplateRecord> Templates, ulong Version, DateTimeOffset EnrolledAt, ulong EnrollmentSequence = 0);

/// <summary>The last enrolment of a passenger a withdrawal of consent covered: an enrolment numbered up to it arriving later is refused. No template.</summary>
/// <param name="Id">Passenger id.</param>
/// <param name="Through">The last enrolment covered.</param>
/// <param name="WithdrawnAt">When the withdrawal was applied.</param>
public sealed record WithdrawalRecord(string Id, ulong Through, DateTimeOffset WithdrawnAt);

/// <summary>A camera and the turnstile it watches, as equipment announced it (or answered when asked).</summary>
/// <param name="CameraId">Camera id.</param>
/// <param name="TurnstileId">The turnstile it is installed on; empty once removed.</param>
/// <param name="StationId">That turnstile's station; empty once removed.</param>
/// <param name="InstalledAt">When it was installed.</param>
/// <param name="RemovedAt">When it was removed from its turnstile; null while installed. A removal is kept so that an older installation arriving later changes nothing.</param>
public sealed record CameraRecord(string CameraId, string TurnstileId, string StationId, DateTimeOffset InstalledAt, DateTimeOffset? RemovedAt = null);

/// <summary>
/// Identification's state, in its own store (<see cref="IdentificationOptions.StateStore"/>), which Dapr encrypts at
/// rest: keys and what they hold. Nothing of a capture that matched no one ever comes here.
/// </summary>
public sealed class IdentificationStore(DaprClient dapr, IdentificationOptions options)
{
    /// <summary>The state key of an offender.</summary>
    public static string OffenderKey(string id) => "offender|" + id;

    /// <summary>The state key of a passenger's enrolment.</summary>
    public static string PassengerKey(string id) => "passenger|" + id;

    /// <summary>The state key of the last enrolment of a passenger a withdrawal covered.</summary>
    public static string WithdrawalKey(string id) => "withdrawal|" + id;

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

    /// <summary>The state key of the events written and not yet published (the service's <see cref="StateOutbox"/>).</summary>
    public const string OutboxKey = "outbox";

    /// <summary>The sorted index of listed offenders.</summary>
    public ServiceDefaults.SortedIdIndex Offenders { get; } = new(dapr, options.StateStore, "offenders", "offender");

    /// <summary>The sorted index of enrolled passengers.</summary>
    public ServiceDefaults.SortedIdIndex Passengers { get; } = new(dapr, options.StateStore, "passengers", "passenger");

    /// <summary>Reads a value and its ETag.</summary>
    public Task<(T? Value, string? ETag)> GetAsync<T>(string key, CancellationToken cancellationToken)
        where T : class => dapr.GetWithETagAsync<T>(options.StateStore, key, cancellationToken);

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

    /// <summary>Writes all of <paramref name="writes"/> in one state transaction of this store (<see cref="StateTransactions.TryCommitAsync"/>).</summary>
    public Task<bool> TryCommitAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken) =>
        dapr.TryCommitAsync(options.StateStore, writes, cancellationToken);
}
