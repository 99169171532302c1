using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Identification.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Identification.Handlers;

/// <summary>The watch list changed (on this replica or another): the offender's entry is reloaded from the store into the index.</summary>
public sealed class WatchListChangedHandler(WatchList watchList) : IEventHandler<WatchListChanged>
{
    /// <inheritdoc />
    public Task HandleAsync(WatchListChanged @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (!Contracts.Ids.IsValid(@event.OffenderId)) throw new InvalidEventException("WatchListChanged without a valid offender_id");
        return watchList.ReloadOffenderAsync(@event.OffenderId, cancellationToken);
    }
}
