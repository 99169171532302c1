using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Maintenance.Infrastructure;

namespace Mtaeda.Maintenance.Handlers;

/// <summary>
/// The device events read into the <see cref="Fault"/> each reports, with the checks every one of them gets. The
/// <c>equipment</c> topic's faults reach maintenance in bulk deliveries (<see cref="MaintenanceExtensions.FaultDelivery"/>,
/// <see cref="DeviceFaultHandler{TEvent}"/>): a burst of faults is taken in together, the devices side by side, instead of
/// one event after the other; the preventive schedules that came due (topic <c>scheduling</c>) one at a time
/// (<see cref="DeviceEventHandler{TEvent}"/>).
/// </summary>
internal static class DeviceEvents
{
    /// <summary>The fault a turnstile's event reports, after checking its ids and time.</summary>
    /// <param name="turnstileId">The turnstile.</param>
    /// <param name="stationId">Its station.</param>
    /// <param name="cause">Why maintenance is needed.</param>
    /// <param name="description">What was reported.</param>
    /// <param name="at">When.</param>
    /// <param name="atField">The time's field name, for the message when it is missing.</param>
    /// <returns>The fault.</returns>
    private static Fault TurnstileFault(string turnstileId, string stationId, MaintenanceCause cause, string description, Timestamp? at, string atField) =>
        DeviceFault(DeviceKind.Turnstile, turnstileId, stationId, cause, description, at, atField);

    /// <summary>The fault a camera's event reports, after checking its ids and time.</summary>
    /// <param name="cameraId">The camera.</param>
    /// <param name="stationId">Its station.</param>
    /// <param name="cause">Why maintenance is needed.</param>
    /// <param name="description">What was reported.</param>
    /// <param name="at">When.</param>
    /// <param name="atField">The time's field name, for the message when it is missing.</param>
    /// <returns>The fault.</returns>
    private static Fault CameraFault(string cameraId, string stationId, MaintenanceCause cause, string description, Timestamp? at, string atField) =>
        DeviceFault(DeviceKind.Camera, cameraId, stationId, cause, description, at, atField);

    /// <summary>The fault a camera reports: cause CAMERA_FAULT.</summary>
    /// <param name="faulted">The event.</param>
    /// <returns>The fault.</returns>
    public static Fault Of(CameraFaulted faulted)
    {
        var kind = faulted.Kind switch
        {
            CameraFaultKind.NoSignal => "no signal",
            CameraFaultKind.Obstructed => "obstructed",
            _ => "malfunction",
        };
        var description = string.IsNullOrWhiteSpace(faulted.Reason) ? $"camera {kind}" : $"camera {kind}: {faulted.Reason}";
        return CameraFault(faulted.CameraId, faulted.StationId, MaintenanceCause.CameraFault, description, faulted.FaultedAt, "faulted_at");
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

    /// <summary>A turnstile's preventive schedule came due: cause SCHEDULED; the occurrence is the fault's time, so each occurrence is one request.</summary>
    /// <param name="triggered">The event.</param>
    /// <returns>The fault.</returns>
    public static Fault Of(TurnstileMaintenanceScheduleTriggered triggered) =>
        TurnstileFault(triggered.TurnstileId, triggered.StationId, MaintenanceCause.Scheduled, Preventive(triggered.ScheduleId), triggered.Occurrence, "occurrence");

    /// <summary>A camera's preventive schedule came due: cause SCHEDULED, one request per occurrence.</summary>
    /// <param name="triggered">The event.</param>
    /// <returns>The fault.</returns>
    public static Fault Of(CameraMaintenanceScheduleTriggered triggered) =>
        CameraFault(triggered.CameraId, triggered.StationId, MaintenanceCause.Scheduled, Preventive(triggered.ScheduleId), triggered.Occurrence, "occurrence");

    private static string Preventive(string scheduleId) => $"preventive maintenance (schedule {scheduleId})";

    /// <summary>The checks every device event gets: its device and station ids and its time (the field named when it is wrong).</summary>
    private static Fault DeviceFault(DeviceKind kind, string deviceId, string stationId, MaintenanceCause cause, string description, Timestamp? at, string atField)
    {
        var deviceField = kind == DeviceKind.Camera ? "camera_id" : "turnstile_id";
        if (!Ids.IsValid(deviceId)) throw new InvalidEventException($"{deviceField} {Ids.Rule}");
        if (!Ids.IsValid(stationId)) throw new InvalidEventException($"station_id {Ids.Rule}");
        if (at is null) throw new InvalidEventException($"{atField} is required");
        return new Fault(deviceId, kind, stationId, cause, description, at.ToDateTimeOffset());
    }
}

/// <summary>
/// The one body of the device-fault handlers: takes in the faults of one bulk delivery of <typeparamref name="TEvent"/>.
/// A handler says only what fault an event reports (<see cref="Read"/>). Every event is read into its fault first, so an
/// invalid one fails the delivery before anything is done (it is then handed over again one event at a time, and only
/// the invalid one is dropped).
/// </summary>
/// <typeparam name="TEvent">The device event.</typeparam>
/// <param name="intake">The fault intake.</param>
public abstract class DeviceFaultHandler<TEvent>(MaintenanceIntake intake) : IBulkEventHandler<TEvent>
    where TEvent : IMessage<TEvent>, new()
{
    /// <inheritdoc />
    public Task HandleAsync(IReadOnlyList<ReceivedEvent<TEvent>> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        return intake.ReportAllAsync([.. events.Select(e => Read(e.Event))], cancellationToken);
    }

    /// <summary>The fault the event reports (one of <see cref="DeviceEvents"/>).</summary>
    /// <param name="event">The event.</param>
    /// <returns>The fault.</returns>
    /// <exception cref="InvalidEventException">The event breaks its contract.</exception>
    protected abstract Fault Read(TEvent @event);
}

/// <summary>Cameras reported faults: each needs maintenance (cause CAMERA_FAULT); a second fault joins its open request.</summary>
/// <param name="intake">The fault intake.</param>
public sealed class CameraFaultedHandler(MaintenanceIntake intake) : DeviceFaultHandler<CameraFaulted>(intake)
{
    /// <inheritdoc />
    protected override Fault Read(CameraFaulted @event) => DeviceEvents.Of(@event);
}

/// <summary>Turnstiles locked themselves (locked or jammed): each needs maintenance (cause LOCKED).</summary>
/// <param name="intake">The fault intake.</param>
public sealed class TurnstileLockedHandler(MaintenanceIntake intake) : DeviceFaultHandler<TurnstileLocked>(intake)
{
    /// <inheritdoc />
    protected override Fault Read(TurnstileLocked @event) => DeviceEvents.Of(@event);
}

/// <summary>Turnstiles reported a malfunction: each needs maintenance (cause FAULTED).</summary>
/// <param name="intake">The fault intake.</param>
public sealed class TurnstileFaultedHandler(MaintenanceIntake intake) : DeviceFaultHandler<TurnstileFaulted>(intake)
{
    /// <inheritdoc />
    protected override Fault Read(TurnstileFaulted @event) => DeviceEvents.Of(@event);
}

/// <summary>Turnstiles passed their maximum passages before maintenance: each is worn (cause WORN).</summary>
/// <param name="intake">The fault intake.</param>
public sealed class TurnstilePassageThresholdExceededHandler(MaintenanceIntake intake) : DeviceFaultHandler<TurnstilePassageThresholdExceeded>(intake)
{
    /// <inheritdoc />
    protected override Fault Read(TurnstilePassageThresholdExceeded @event) => DeviceEvents.Of(@event);
}
