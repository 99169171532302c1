using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Maintenance.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Maintenance.Domain;
using Mtaeda.Maintenance.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Maintenance.Handlers;

/// <summary>The checks every device event gets before it becomes a <see cref="Fault"/>.</summary>
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
}

/// <summary>A camera reported a fault: it needs maintenance (cause CAMERA_FAULT); a second fault joins its open request.</summary>
/// <param name="intake">The fault intake.</param>
public sealed class CameraFaultedHandler(MaintenanceIntake intake) : IEventHandler<CameraFaulted>
{
    /// <inheritdoc />
    public Task HandleAsync(CameraFaulted faulted, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(faulted);
        return intake.ReportAsync(DeviceEvents.CameraFault(faulted), cancellationToken);
    }
}

/// <summary>A turnstile locked itself (locked or jammed): it needs maintenance (cause LOCKED).</summary>
/// <param name="intake">The fault intake.</param>
public sealed class TurnstileLockedHandler(MaintenanceIntake intake) : IEventHandler<TurnstileLocked>
{
    /// <inheritdoc />
    public Task HandleAsync(TurnstileLocked locked, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(locked);
        var description = string.IsNullOrWhiteSpace(locked.Reason) ? $"turnstile {locked.Kind}" : $"turnstile {locked.Kind}: {locked.Reason}";
        return intake.ReportAsync(
            DeviceEvents.TurnstileFault(locked.TurnstileId, locked.StationId, MaintenanceCause.Locked, description, locked.LockedAt, "locked_at"),
            cancellationToken);
    }
}

/// <summary>A turnstile reported a malfunction: it needs maintenance (cause FAULTED).</summary>
/// <param name="intake">The fault intake.</param>
public sealed class TurnstileFaultedHandler(MaintenanceIntake intake) : IEventHandler<TurnstileFaulted>
{
    /// <inheritdoc />
    public Task HandleAsync(TurnstileFaulted faulted, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(faulted);
        var description = string.IsNullOrWhiteSpace(faulted.Reason) ? $"turnstile {faulted.Kind}" : $"turnstile {faulted.Kind}: {faulted.Reason}";
        return intake.ReportAsync(
            DeviceEvents.TurnstileFault(faulted.TurnstileId, faulted.StationId, MaintenanceCause.Faulted, description, faulted.FaultedAt, "faulted_at"),
            cancellationToken);
    }
}

/// <summary>A turnstile passed its maximum passages before maintenance: it is worn (cause WORN).</summary>
/// <param name="intake">The fault intake.</param>
public sealed class TurnstilePassageThresholdExceededHandler(MaintenanceIntake intake) : IEventHandler<TurnstilePassageThresholdExceeded>
{
    /// <inheritdoc />
    public Task HandleAsync(TurnstilePassageThresholdExceeded exceeded, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exceeded);
        var description = $"{exceeded.PassageCount} passages, past the maximum of {exceeded.MaxPassagesBeforeMaintenance}";
        return intake.ReportAsync(
            DeviceEvents.TurnstileFault(exceeded.TurnstileId, exceeded.StationId, MaintenanceCause.Worn, description, exceeded.ExceededAt, "exceeded_at"),
            cancellationToken);
    }
}
