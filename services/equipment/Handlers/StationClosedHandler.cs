using Mtaeda.Contracts;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Equipment.Actors;
using Mtaeda.Equipment.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Equipment.Handlers;

/// <summary>
/// A station closed: no turnstile is installed there from now on, and every turnstile it listed and every other one
/// equipment installed there is decommissioned. Each
/// decommission is idempotent (a turnstile already decommissioned is left as it is), so a redelivered event, or a
/// turnstile on both lists, changes nothing the second time; a failure makes the delivery fail, and Dapr's redelivery
/// finishes the rest.
/// </summary>
/// <param name="actors">The actor proxies.</param>
/// <param name="logger">The logger.</param>
public sealed partial class StationClosedHandler(EquipmentActors actors, ILogger<StationClosedHandler> logger) : IEventHandler<StationClosed>
{
    /// <inheritdoc />
    public async Task HandleAsync(StationClosed closed, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(closed);
        var closedAt = StationChange.Checked(closed.StationId, closed.ClosedAt, "closed_at");

        // Noting the close and reading the list is one turn of the station's equipment actor, which also runs installs at
        // the station: a turnstile is either on this list or its install is refused (see StationEquipmentActor).
        var known = await actors.Station(closed.StationId).StationClosedAsync(closedAt);
        var reason = string.IsNullOrWhiteSpace(closed.Reason) ? "station closed" : $"station closed: {closed.Reason}";
        var command = new DecommissionTurnstile { Reason = reason, OnlyAtStationId = closed.StationId };
        foreach (var turnstileId in closed.TurnstileIds.Concat(known).Distinct(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!Ids.IsValid(turnstileId))
            {
                LogSkipped(turnstileId, closed.StationId, "not a valid turnstile id");
                continue;
            }
            var reply = await actors.DecommissionTurnstileAsync(turnstileId, command);
            if (!reply.Outcome.IsAccepted) LogSkipped(turnstileId, closed.StationId, reply.Outcome.Message);
        }
        LogHandled(closed.StationId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Turnstile {TurnstileId} left as it is on closing station {StationId}: {Why}")]
    private partial void LogSkipped(string turnstileId, string stationId, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Station {StationId} closed: its turnstiles are decommissioned")]
    private partial void LogHandled(string stationId);
}
