using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Notifications.Domain;
using Mtaeda.Notifications.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Handlers;

/// <summary>
/// Raises the alert of a watch-list match (<see cref="OffenderIdentified"/>): pushed to the station's supervisors and
/// delivered to the configurations of the offender's law-enforcement recipients (<see cref="ConfigurationRules.Matches"/>).
/// </summary>
/// <param name="alerts">Raises alerts.</param>
public sealed class OffenderIdentifiedHandler(AlertRaiser alerts) : IEventHandler<OffenderIdentified>
{
    /// <inheritdoc />
    public Task HandleAsync(OffenderIdentified @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        ArgumentNullException.ThrowIfNull(context);
        if (@event.Interaction?.OccurredAt is null) throw new InvalidEventException("interaction.occurred_at: is required");
        return alerts.RaiseAsync(AlertRules.From(@event), context.EventId, cancellationToken);
    }
}
