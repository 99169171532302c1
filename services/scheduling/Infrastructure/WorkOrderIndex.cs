using Dapr.Client;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Scheduling.Infrastructure;

/// <summary>
/// The ids of every work order, sorted, under <see cref="Key"/> (see <see cref="SortedIdIndex"/> for how it is kept).
/// CreateWorkOrder adds the id after the actor accepted the order; a crash between the two is mended by the caller's
/// repeat (the maintenance process repeats its activity until it succeeds). ListWorkOrders reads the orders it names
/// from their actors.
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">Where the index is kept.</param>
public sealed class WorkOrderIndex(DaprClient dapr, SchedulingOptions options) : SortedIdIndex(dapr, options.StateStoreName, Key, "work-order")
{
    /// <summary>The state key of the index.</summary>
    public const string Key = "work-orders-index";
}
