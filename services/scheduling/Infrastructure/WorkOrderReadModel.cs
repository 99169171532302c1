using Dapr.Client;

namespace Mtaeda.Scheduling.Infrastructure;

/// <summary>
/// The work orders as ListWorkOrders reads them, kept in the state store beside the actors so that a list reads a few
/// keys instead of every order through its actor:
/// <list type="bullet">
/// <item>each order's copy (<c>work-order-view-{id}</c>), written by its actor with each event of the order
/// (<see cref="Actors.WorkOrderActor"/>), never replaced by an older one (<see cref="WorkOrderState.Version"/>);</item>
/// <item>per station, the ids of its orders (<c>work-orders-station-{station}</c>) and of its open ones
/// (<c>work-orders-open-{station}</c>), and the stations that have orders (<c>work-orders-stations</c>), each a
/// <see cref="SortedIdIndex"/>.</item>
/// </list>
/// A list of one station reads its index and the orders it names (two bulk reads); a list of open, late or open-status
/// orders reads only the open indexes, so it costs what is open, not every order ever made. A new order touches its
/// station's indexes, not one index of every order.
/// <para>
/// Consistency: the copy and the indexes are written when the order's actor publishes an event of the order from its
/// outbox, after the turn that saved it (side by side with the other orders'). A crash between the turn and that write
/// leaves them behind only until the outbox's sweep publishes the event again and writes them (the outbox's reminder is
/// armed before the save); reading an order on its own (GetWorkOrder) reads its actor and mends the copy too. An id left
/// in an open index after its order closed (a create's index write overtaken by the close) is filtered out by the copy's
/// status and removed by the list that finds it.
/// </para>
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">Where the read model is kept.</param>
public sealed class WorkOrderReadModel(DaprClient dapr, SchedulingOptions options)
{
    /// <summary>The state key of the stations that have work orders.</summary>
    public const string StationsKey = "work-orders-stations";

    private readonly SortedIdIndex _stations = new(dapr, options.StateStoreName, StationsKey, "work-order station");

    /// <summary>The state key of an order's copy.</summary>
    /// <param name="workOrderId">The order.</param>
    /// <returns>The key.</returns>
    public static string ViewKey(string workOrderId) => $"work-order-view-{workOrderId}";

    /// <summary>The state key of a station's orders' ids.</summary>
    /// <param name="stationId">The station.</param>
    /// <returns>The key.</returns>
    public static string StationKey(string stationId) => $"work-orders-station-{stationId}";

    /// <summary>The state key of a station's open orders' ids.</summary>
    /// <param name="stationId">The station.</param>
    /// <returns>The key.</returns>
    public static string OpenKey(string stationId) => $"work-orders-open-{stationId}";

    /// <summary>Records an order as its actor has it after a command: its copy, then its indexes.</summary>
    /// <param name="order">The order.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>A task.</returns>
    public Task RecordAsync(WorkOrderState order, CancellationToken cancellationToken) => RecordAsync(order, indexEvenIfCurrent: true, cancellationToken);

    /// <summary>
    /// Mends the copy of an order read from its actor when the copy is behind it (a crash after the actor's turn left
    /// it so); when the copy is current, one read is all it costs.
    /// </summary>
    /// <param name="order">The order as its actor has it.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>A task.</returns>
    public Task MendAsync(WorkOrderState order, CancellationToken cancellationToken) => RecordAsync(order, indexEvenIfCurrent: false, cancellationToken);

    private async Task RecordAsync(WorkOrderState order, bool indexEvenIfCurrent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (!order.Exists) return;
        var behind = false;
        // The newer copy stays (read with its ETag, written only if unchanged, else decided again). The indexes are
        // written beside it, by the order as its actor answered: a list filters by the copy's status, so an open index
        // that names an order closed meanwhile lists nothing wrong, and the list that finds the id removes it.
        var view = StateTransactions.RetryAsync(async ct =>
        {
            var (stored, etag) = await dapr.GetWithETagAsync<WorkOrderState>(options.StateStoreName, ViewKey(order.WorkOrderId), ct);
            if (stored is { Exists: true } && stored.Version >= order.Version) return (true, false);
            behind = true;
            return (await dapr.TrySaveAsync(options.StateStoreName, ViewKey(order.WorkOrderId), order, etag, ct), true);
        }, $"recording work order '{order.WorkOrderId}'", cancellationToken);
        if (!indexEvenIfCurrent)
        {
            await view;
            if (!behind) return;
        }
        var station = order.StationId;
        var open = Index(OpenKey(station), station, "open work-order");
        await Task.WhenAll(
            view,
            _stations.AddAsync(station, cancellationToken),
            Index(StationKey(station), station, "work-order").AddAsync(order.WorkOrderId, cancellationToken),
            order.IsOpen ? open.AddAsync(order.WorkOrderId, cancellationToken) : open.RemoveAsync(order.WorkOrderId, cancellationToken));
    }

    /// <summary>The orders that may match <paramref name="filter"/> (a superset: the caller applies the filter).</summary>
    /// <param name="filter">The query.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The orders.</returns>
    public async Task<IReadOnlyList<WorkOrderState>> ListAsync(WorkOrderFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        IReadOnlyList<string> stations = filter.StationId.Length > 0 ? [filter.StationId] : await _stations.ListAsync(cancellationToken);
        if (stations.Count == 0) return [];
        var openOnly = filter.OpenOnly || filter.LateOnly || filter.Status is WorkOrderStatus.Created or WorkOrderStatus.Assigned or WorkOrderStatus.Started;
        var indexes = await dapr.GetBulkStateAsync<List<string>?>(
            options.StateStoreName, [.. stations.Select(s => openOnly ? OpenKey(s) : StationKey(s))], parallelism: null, cancellationToken: cancellationToken);
        var ids = indexes.SelectMany(i => i.Value ?? []).Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count == 0) return [];
        var views = await dapr.GetBulkStateAsync<WorkOrderState?>(options.StateStoreName, [.. ids.Select(ViewKey)], parallelism: null, cancellationToken: cancellationToken);
        var orders = views.Select(v => v.Value).OfType<WorkOrderState>().Where(o => o.Exists).ToList();
        if (openOnly)
        {
            // Closed orders an overtaken write left in an open index leave it now.
            foreach (var closed in orders.Where(o => !o.IsOpen))
                await Index(OpenKey(closed.StationId), closed.StationId, "open work-order").RemoveAsync(closed.WorkOrderId, cancellationToken);
        }
        return orders;
    }

    private SortedIdIndex Index(string key, string stationId, string what) => new(dapr, options.StateStoreName, key, $"station {stationId}'s {what}");
}
