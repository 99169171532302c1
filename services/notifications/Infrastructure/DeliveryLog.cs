using Dapr.Client;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.ServiceDefaults;
using Mtaeda.ServiceDefaults.Paging;
using DeliveryStatus = Mtaeda.Contracts.Notifications.V1.DeliveryStatus;

namespace Mtaeda.Notifications.Infrastructure;

/// <summary>One delivery as the log keeps it: the public record and what is sent (so a pending one can be sent after a restart).</summary>
/// <param name="Delivery">The public record (proto3 JSON).</param>
/// <param name="Subject">The rendered subject.</param>
/// <param name="Body">The rendered body.</param>
/// <param name="Alert">The alert it tells of (proto3 JSON).</param>
/// <param name="Configuration">The configuration it was made for, as it was then (proto3 JSON).</param>
public sealed record StoredDelivery(string Delivery, string Subject, string Body, string Alert, string Configuration)
{
    /// <summary>The public record.</summary>
    /// <returns>The delivery.</returns>
    public Delivery Read() => IntegrationEvents.FromJson<Delivery>(Delivery);

    /// <summary>The same delivery with its record changed.</summary>
    /// <param name="delivery">The new record.</param>
    /// <returns>The stored delivery.</returns>
    public StoredDelivery With(Delivery delivery) => this with { Delivery = IntegrationEvents.ToJson(delivery) };

    /// <summary>The station of the alert it tells of.</summary>
    /// <returns>The station id.</returns>
    public string StationId() => IntegrationEvents.FromJson<Alert>(Alert).StationId;
}

/// <summary>
/// The delivery log: every delivery under its own key (<c>delivery|{id}</c>), listed by an index of their ids. A delivery's
/// id is derived from its alert, configuration and channel, so a redelivered event finds its deliveries instead of
/// sending twice.
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">The state store.</param>
public sealed class DeliveryLog(DaprClient dapr, NotificationsOptions options)
{
    /// <summary>The state key of the index.</summary>
    public const string IndexKey = "deliveries-index";

    private readonly SortedIdIndex _index = new(dapr, options.StateStoreName, IndexKey, "delivery");

    /// <summary>Logs a new delivery; false when it is logged already (a redelivered event, also one delivered concurrently).</summary>
    /// <param name="delivery">The delivery.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>True when this call logged it.</returns>
    public async Task<bool> TryAddAsync(StoredDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var id = delivery.Read().DeliveryId;
        var (added, _) = await dapr.TryCreateAsync(options.StateStoreName, Key(id), () => delivery, cancellationToken);
        await _index.AddAsync(id, cancellationToken);
        return added;
    }

    /// <summary>
    /// Records where a delivery stands, written with the ETag read just before: the key was created with first-write
    /// concurrency (<see cref="TryAddAsync"/>), and Redis refuses a later save of such a key without its ETag.
    /// </summary>
    /// <param name="delivery">The delivery, with its new record.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    public Task UpdateAsync(StoredDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var id = delivery.Read().DeliveryId;
        return OptimisticState.ReplaceAsync<StoredDelivery, bool>(dapr, options.StateStoreName, Key(id), _ => (true, delivery),
            $"recording delivery {id}", cancellationToken);
    }

    /// <summary>Every delivery kept, unordered.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The deliveries.</returns>
    public async Task<IReadOnlyList<StoredDelivery>> AllAsync(CancellationToken cancellationToken)
    {
        var ids = await _index.ListAsync(cancellationToken);
        if (ids.Count == 0) return [];
        var items = await dapr.GetBulkStateAsync<StoredDelivery?>(options.StateStoreName, [.. ids.Select(Key)], parallelism: null, cancellationToken: cancellationToken);
        return [.. items.Where(i => i.Value is not null).Select(i => i.Value!)];
    }

    /// <summary>Deliveries (in no order: the API pages them, newest first, see <see cref="PageKeyOf"/>).</summary>
    /// <param name="configurationId">Only this configuration's, when not empty.</param>
    /// <param name="status">Only these, unless UNSPECIFIED.</param>
    /// <param name="seesStation">Whether the reader sees a station (a delivery's is its alert's); null: every station.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The deliveries.</returns>
    public async Task<IReadOnlyList<Delivery>> ListAsync(string configurationId, DeliveryStatus status, Func<string, bool>? seesStation, CancellationToken cancellationToken) =>
        [.. (await AllAsync(cancellationToken)).Where(d => seesStation is null || seesStation(d.StationId())).Select(d => d.Read())
            .Where(d => (configurationId.Length == 0 || d.ConfigurationId == configurationId) && (status == DeliveryStatus.Unspecified || d.Status == status))];

    /// <summary>The deliveries' order: newest first, then by id.</summary>
    /// <param name="delivery">A delivery.</param>
    /// <returns>Its place.</returns>
    public static PageKey PageKeyOf(Delivery delivery) =>
        new(-(delivery?.CreatedAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue).UtcTicks, 0, delivery!.DeliveryId);

    private static string Key(string deliveryId) => "delivery|" + deliveryId;
}
