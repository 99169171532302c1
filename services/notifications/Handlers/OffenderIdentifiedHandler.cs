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
public sealed class OffenderIdentifiedHandler(AlertRaiser alerts) : AlertEventHandler<OffenderIdentified>(alerts)
{
    /// <inheritdoc />
    protected override AlertFacts Read(OffenderIdentified @event) =>
        @event.Interaction?.OccurredAt is null ? throw new InvalidEventException("interaction.occurred_at: is required") : AlertRules.From(@event);
}
