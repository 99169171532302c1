using Dapr.Client;
using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.ServiceDefaults;
using Mtaeda.ServiceDefaults.Paging;

namespace Mtaeda.Notifications.Infrastructure;

/// <summary>
/// The alerts: each under its own key (<c>alert|{id}</c>, proto3 JSON), listed by an index of their ids
/// (<see cref="SortedIdIndex"/>). An alert's id is derived from the event that raised it, so a redelivered event finds it.
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">The state store.</param>
public sealed class AlertStore(DaprClient dapr, NotificationsOptions options)
{
    /// <summary>The state key of the index.</summary>
    public const string IndexKey = "alerts-index";

    private readonly SortedIdIndex _index = new(dapr, options.StateStoreName, IndexKey, "alert");

    /// <summary>Keeps <paramref name="alert"/>, or answers the alert kept under its id already (also when a concurrent delivery kept it first).</summary>
    /// <param name="alert">The new alert.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The kept alert.</returns>
    public async Task<Alert> AddAsync(Alert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var (created, json) = await dapr.TryCreateAsync(options.StateStoreName, Key(alert.Id), () => IntegrationEvents.ToJson(alert), cancellationToken);
        await _index.AddAsync(alert.Id, cancellationToken);
        return created ? alert : IntegrationEvents.FromJson<Alert>(json);
    }

    /// <summary>One alert.</summary>
    /// <param name="alertId">Its id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The alert, or null.</returns>
    public async Task<Alert?> GetAsync(string alertId, CancellationToken cancellationToken)
    {
        var json = await dapr.GetStateAsync<string?>(options.StateStoreName, Key(alertId), ConsistencyMode.Strong, cancellationToken: cancellationToken);
        return json is null ? null : IntegrationEvents.FromJson<Alert>(json);
    }

    /// <summary>Acknowledges an alert once: a second acknowledgement answers the first.</summary>
    /// <param name="alertId">The alert.</param>
    /// <param name="by">Who.</param>
    /// <param name="at">When.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>The alert and whether this call acknowledged it; null when there is no such alert.</returns>
    public Task<(Alert Alert, bool Acknowledged)?> AcknowledgeAsync(string alertId, string by, DateTimeOffset at, CancellationToken cancellationToken) =>
        OptimisticState.ReplaceAsync<string, (Alert Alert, bool Acknowledged)?>(dapr, options.StateStoreName, Key(alertId), json =>
        {
            if (json is null) return (null, null);
            var alert = IntegrationEvents.FromJson<Alert>(json);
            if (alert.AcknowledgedBy.Length > 0) return ((alert, false), null);
            alert.AcknowledgedBy = by;
            alert.AcknowledgedAt = Timestamp.FromDateTimeOffset(at);
            return ((alert, true), IntegrationEvents.ToJson(alert));
        }, $"acknowledging alert {alertId}", cancellationToken);

    /// <summary>Alerts (in no order: the API pages them, newest first, see <see cref="PageKeyOf"/>).</summary>
    /// <param name="stationId">Only this station's, when not empty.</param>
    /// <param name="unacknowledged">Only those nobody acknowledged.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The alerts.</returns>
    public async Task<IReadOnlyList<Alert>> ListAsync(string stationId, bool unacknowledged, CancellationToken cancellationToken)
    {
        var ids = await _index.ListAsync(cancellationToken);
        if (ids.Count == 0) return [];
        var items = await dapr.GetBulkStateAsync<string>(options.StateStoreName, [.. ids.Select(Key)], parallelism: null, cancellationToken: cancellationToken);
        return [.. items.Where(i => !string.IsNullOrEmpty(i.Value))
            .Select(i => IntegrationEvents.FromJson<Alert>(i.Value))
            .Where(a => (stationId.Length == 0 || a.StationId == stationId) && (!unacknowledged || a.AcknowledgedBy.Length == 0))];
    }

    /// <summary>The alerts' order: newest first, then by id.</summary>
    /// <param name="alert">An alert.</param>
    /// <returns>Its place.</returns>
    public static PageKey PageKeyOf(Alert alert) =>
        new(-(alert?.OccurredAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue).UtcTicks, 0, alert!.Id);

    private static string Key(string alertId) => "alert|" + alertId;
}
