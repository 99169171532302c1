using Mtaeda.Contracts;
using Mtaeda.Contracts.Maintenance.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Maintenance.Domain;
using Mtaeda.Maintenance.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Maintenance.Handlers;

/// <summary>
/// A turnstile's preventive schedule came due (scheduling raises it once per occurrence): it needs maintenance (cause
/// SCHEDULED, a preventive priority). The occurrence is the fault's time, so each occurrence is one request.
/// </summary>
/// <param name="intake">The fault intake.</param>
public sealed class TurnstileMaintenanceScheduleTriggeredHandler(MaintenanceIntake intake) : IEventHandler<TurnstileMaintenanceScheduleTriggered>
{
    /// <inheritdoc />
    public Task HandleAsync(TurnstileMaintenanceScheduleTriggered triggered, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(triggered);
        return intake.ReportAsync(
            DeviceEvents.TurnstileFault(triggered.TurnstileId, triggered.StationId, MaintenanceCause.Scheduled, $"preventive maintenance (schedule {triggered.ScheduleId})", triggered.Occurrence, "occurrence"),
            cancellationToken);
    }
}

/// <summary>A camera's preventive schedule came due: it needs maintenance (cause SCHEDULED), one request per occurrence.</summary>
/// <param name="intake">The fault intake.</param>
public sealed class CameraMaintenanceScheduleTriggeredHandler(MaintenanceIntake intake) : IEventHandler<CameraMaintenanceScheduleTriggered>
{
    /// <inheritdoc />
    public Task HandleAsync(CameraMaintenanceScheduleTriggered triggered, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(triggered);
        if (!Ids.IsValid(triggered.CameraId)) throw new InvalidEventException($"camera_id {Ids.Rule}");
        if (!Ids.IsValid(triggered.StationId)) throw new InvalidEventException($"station_id {Ids.Rule}");
        if (triggered.Occurrence is null) throw new InvalidEventException("occurrence is required");
        return intake.ReportAsync(
            new Fault(triggered.CameraId, DeviceKind.Camera, triggered.StationId, MaintenanceCause.Scheduled, $"preventive maintenance (schedule {triggered.ScheduleId})", triggered.Occurrence.ToDateTimeOffset()),
            cancellationToken);
    }
}
