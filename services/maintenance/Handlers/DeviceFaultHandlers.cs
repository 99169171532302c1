using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Maintenance.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Maintenance.Domain;
using Mtaeda.Maintenance.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Maintenance.Handlers;

/// <summary>
/// The checks every device event gets before it becomes a <see cref="Fault"/>. The <c>equipment</c> topic's faults reach
/// maintenance in bulk deliveries (<see cref="MaintenanceExtensions.FaultDelivery"/>): a burst of faults is taken in
/// together, the devices side by side, instead of one event after the other.
/// </summary>
internal static class DeviceEvents
{
    /// <summary>The fault a turnstile's event reports, after checking its ids and time.</summary>
    /// <param name="turnstileId">The turnstile.</param>
    /// <param name="stationId">Its station.</param>
    /// <param name="cause">Why maintenance is needed.</param>
    /// <param name="description">What was reported.</param>
    /// <param name="at">When, and the field's name for the message when it is missing.</param>
    /// <param name="atField">The time's field name.</param>
    /// <returns>The fault.</returns>
    public static Fault TurnstileFault(string turnstileId, string stationId, MaintenanceCause cause, string description, Timestamp? at, string atField)
    {
        if (!Ids.IsValid(turnstileId)) throw new InvalidEventException($"turnstile_id {Ids.Rule}");
        if (!Ids.IsValid(stationId)) throw new InvalidEventException($"station_id {Ids.Rule}");
        if (at is null) throw new InvalidEventException($"{atField} is required");
        return new Fault(turnstileId, DeviceKind.Turnstile, stationId, cause, description, at.ToDateTimeOffset());
    }

    /// <summary>The fault a camera's event reports, after checking its ids and time.</summary>
    /// <param name="faulted">The event.</param>
    /// <returns>The fault.</returns>
    public static Fault CameraFault(CameraFaulted faulted)
    {
        if (!Ids.IsValid(faulted.CameraId)) throw new InvalidEventException($"camera_id {Ids.Rule}");
        if (!Ids.IsValid(faulted.StationId)) throw new InvalidEventException($"station_id {Ids.Rule}");
        if (faulted.FaultedAt is null) throw new InvalidEventException("faulted_at is required");
        var kind = faulted.Kind switch
        {
            CameraFaultKind.NoSignal => "no signal",
            CameraFaultKind.Obstructed => "obstructed",
            _ => "malfunction",
        };
        var description = string.IsNullOrWhiteSpace(faulted.Reason) ? $"camera {kind}" : $"camera {kind}: {faulted.Reason}";
        return new Fault(faulted.CameraId, DeviceKind.Camera, faulted.StationId, MaintenanceCause.CameraFault, description, faulted.FaultedAt.ToDateTimeOffset());
    }

    /// <summary>The fault a locked (or jammed) turnstile reports: cause LOCKED.</summary>
    /// <param name="locked">The event.</param>
    /// <returns>The fault.</returns>
    public static Fault Of(TurnstileLocked locked)
    {
        var description = string.IsNullOrWhiteSpace(locked.Reason) ? $"turnstile {locked.Kind}" : $"turnstile {locked.Kind}: {locked.Reason}";
        return TurnstileFault(locked.TurnstileId, locked.StationId, MaintenanceCause.Locked, description, locked.LockedAt, "locked_at");
    }

    /// <summary>The fault a malfunctioning turnstile reports: cause FAULTED.</summary>
    /// <param name="faulted">The event.</param>
    /// <returns>The fault.</returns>
    public static Fault Of(TurnstileFaulted faulted)
    {
        var description = string.IsNullOrWhiteSpace(faulted.Reason) ? $"turnstile {faulted.Kind}" : $"turnstile {faulted.Kind}: {faulted.Reason}";
        return TurnstileFault(faulted.TurnstileId, faulted.StationId, MaintenanceCause.Faulted, description, faulted.FaultedAt, "faulted_at");
    }

    /// <summary>The fault of a turnstile past its maximum passages before maintenance: cause WORN.</summary>
    /// <param name="exceeded">The event.</param>
    /// <returns>The fault.</returns>
    public static Fault Of(TurnstilePassageThresholdExceeded exceeded)
    {
        var description = $"{exceeded.PassageCount} passages, past the maximum of {exceeded.MaxPassagesBeforeMaintenance}";
        return TurnstileFault(exceeded.TurnstileId, exceeded.StationId, MaintenanceCause.Worn, description, exceeded.ExceededAt, "exceeded_at");
    }

    /// <summary>
    /// Takes in the faults of one bulk delivery. Every event is read into its fault first, so an invalid one fails the
    /// delivery before anything is done (it is then handed over again one event at a time, and only the invalid one is
    /// dropped).
    /// </summary>
    /// <typeparam name="TEvent">The event type.</typeparam>
    /// <param name="intake">The fault intake.</param>
    /// <param name="events">The delivered events.</param>
    /// <param name="fault">The fault an event reports.</param>
    /// <param name="cancellationToken">Cancels the intake.</param>
    /// <returns>A task.</returns>
    public static Task ReportAllAsync<TEvent>(MaintenanceIntake intake, IReadOnlyList<ReceivedEvent<TEvent>> events, Func<TEvent, Fault> fault, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        return intake.ReportAllAsync([.. events.Select(e => fault(e.Event))], cancellationToken);
    }
}

/// <summary>Cameras reported faults: each needs maintenance (cause CAMERA_FAULT); a second fault joins its open request.</summary>
/// <param name="intake">The fault intake.</param>
public sealed class CameraFaultedHandler(MaintenanceIntake intake) : IBulkEventHandler<CameraFaulted>
{
    /// <inheritdoc />
    public Task HandleAsync(IReadOnlyList<ReceivedEvent<CameraFaulted>> events, CancellationToken cancellationToken) =>
        DeviceEvents.ReportAllAsync(intake, events, DeviceEvents.CameraFault, cancellationToken);
}

/// <summary>Turnstiles locked themselves (locked or jammed): each needs maintenance (cause LOCKED).</summary>
/// <param name="intake">The fault intake.</param>
public sealed class TurnstileLockedHandler(MaintenanceIntake intake) : IBulkEventHandler<TurnstileLocked>
{
    /// <inheritdoc />
    public Task HandleAsync(IReadOnlyList<ReceivedEvent<TurnstileLocked>> events, CancellationToken cancellationToken) =>
        DeviceEvents.ReportAllAsync(intake, events, DeviceEvents.Of, cancellationToken);
}

/// <summary>Turnstiles reported a malfunction: each needs maintenance (cause FAULTED).</summary>
/// <param name="intake">The fault intake.</param>
public sealed class TurnstileFaultedHandler(MaintenanceIntake intake) : IBulkEventHandler<TurnstileFaulted>
{
    /// <inheritdoc />
    public Task HandleAsync(IReadOnlyList<ReceivedEvent<TurnstileFaulted>> events, CancellationToken cancellationToken) =>
        DeviceEvents.ReportAllAsync(intake, events, DeviceEvents.Of, cancellationToken);
}

/// <summary>Turnstiles passed their maximum passages before maintenance: each is worn (cause WORN).</summary>
/// <param name="intake">The fault intake.</param>
public sealed class TurnstilePassageThresholdExceededHandler(MaintenanceIntake intake) : IBulkEventHandler<TurnstilePassageThresholdExceeded>
{
    /// <inheritdoc />
    public Task HandleAsync(IReadOnlyList<ReceivedEvent<TurnstilePassageThresholdExceeded>> events, CancellationToken cancellationToken) =>
        DeviceEvents.ReportAllAsync(intake, events, DeviceEvents.Of, cancellationToken);
}
