using Mtaeda.Contracts.Passengers.V1;
using Mtaeda.Identification.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Identification.Handlers;

/// <summary>
/// A passenger withdrew the consent to be identified (passengers' <see cref="PassengerConsentWithdrawn"/>): the
/// passenger's templates are deleted, from the store and the index, when they are of an enrolment the withdrawal covers
/// (<see cref="PassengerConsentWithdrawn.EnrollmentSequence"/>); those of a later enrolment stay (the withdrawal was
/// delivered late, after the passenger enrolled again). A repeat finds nothing to delete.
/// </summary>
/// <param name="watchList">The watch list and enrolments.</param>
public sealed class PassengerConsentWithdrawnHandler(WatchList watchList) : IEventHandler<PassengerConsentWithdrawn>
{
    /// <inheritdoc />
    public Task HandleAsync(PassengerConsentWithdrawn @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (!Contracts.Ids.IsValid(@event.PassengerId)) throw new InvalidEventException("PassengerConsentWithdrawn without a valid passenger_id");
        return watchList.WithdrawPassengerAsync(@event.PassengerId, @event.EnrollmentSequence, cancellationToken);
    }
}
