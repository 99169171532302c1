using Google.Protobuf;
using Mtaeda.Maintenance.Infrastructure;

namespace Mtaeda.Maintenance.Handlers;

/// <summary>Takes in the fault one device event reports (read by one of <see cref="DeviceEvents"/>).</summary>
/// <typeparam name="TEvent">The device event.</typeparam>
/// <param name="intake">The fault intake.</param>
/// <param name="fault">The fault the event reports.</param>
public abstract class DeviceEventHandler<TEvent>(MaintenanceIntake intake, Func<TEvent, Fault> fault) : IEventHandler<TEvent>
    where TEvent : IMessage<TEvent>, new()
{
    /// <inheritdoc />
    public Task HandleAsync(TEvent @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return intake.ReportAsync(fault(@event), cancellationToken);
    }
}

/// <summary>
/// A turnstile's preventive schedule came due (scheduling raises it once per occurrence): it needs maintenance (cause
/// SCHEDULED, a preventive priority). The occurrence is the fault's time, so each occurrence is one request.
/// </summary>
/// <param name="intake">The fault intake.</param>
public sealed class TurnstileMaintenanceScheduleTriggeredHandler(MaintenanceIntake intake)
    : DeviceEventHandler<TurnstileMaintenanceScheduleTriggered>(intake, DeviceEvents.Of);

/// <summary>A camera's preventive schedule came due: it needs maintenance (cause SCHEDULED), one request per occurrence.</summary>
/// <param name="intake">The fault intake.</param>
public sealed class CameraMaintenanceScheduleTriggeredHandler(MaintenanceIntake intake)
    : DeviceEventHandler<CameraMaintenanceScheduleTriggered>(intake, DeviceEvents.Of);
