using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Identification.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Identification.Handlers;

/// <summary>A passenger's enrolment changed: the passenger's templates are reloaded from the store (or dropped) in the index.</summary>
public sealed class PassengerEnrollmentChangedHandler(WatchList watchList) : IEventHandler<PassengerEnrollmentChanged>
{
    /// <inheritdoc />
    public Task HandleAsync(PassengerEnrollmentChanged @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (!Contracts.Ids.IsValid(@event.PassengerId)) throw new InvalidEventException("PassengerEnrollmentChanged without a valid passenger_id");
        return watchList.ReloadPassengerAsync(@event.PassengerId, cancellationToken);
    }
}
